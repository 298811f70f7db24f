import { ENV_PREFIXES } from '@headerforge/core/adapter';
import { loadEnv } from 'vite';

/**
 * The variables headerforge reads, from the process and from Vite's `.env` files (the
 * process wins, as in Vite). Read on the server only: nothing here is `define`d or
 * exposed to client code, which only ever sees `VITE_`-prefixed variables.
 */
export function headerforgeEnv(mode: string, envDir: string): NodeJS.ProcessEnv {
  const fromFiles = loadEnv(mode, envDir, [...ENV_PREFIXES]);
  return { ...fromFiles, ...process.env };
}
