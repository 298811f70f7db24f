import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

export interface CliIO {
  /** A line on stdout. */
  out(text: string): void;
  /** Raw text on stdout, for redrawing a progress bar in place. */
  write(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
}

export function processIO(): CliIO {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    write: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    isTTY: Boolean(process.stdout.isTTY) && !process.env.CI,
  };
}

/** The site's `.env` files, as Vite reads them: variables already set win. */
export function withSiteEnv(env: NodeJS.ProcessEnv, root: string): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = {};
  for (const name of ['.env', '.env.local', '.env.production', '.env.production.local']) {
    const file = join(root, name);
    if (existsSync(file)) Object.assign(merged, parseEnv(readFileSync(file, 'utf8')));
  }
  return { ...merged, ...env };
}
