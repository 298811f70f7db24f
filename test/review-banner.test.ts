import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyFixture } from './support/fixtures.js';
import { until } from './support/until.js';

// The review page is named in what `vite` and `astro dev` print when they start (Vite's
// banner, Astro's log), at an address that answers with the page.
const repo = join(import.meta.dirname, '..');
const commands = {
  'vite-blog': [join(repo, 'node_modules', 'vite', 'bin', 'vite.js'), '--port', '0'],
  'astro-blog': [join(repo, 'node_modules', 'astro', 'bin', 'astro.mjs'), 'dev', '--port', '0'],
} as const;
const banners = {
  'vite-blog': /➜ {2}headerforge: (http:\/\/\S+\/__headerforge\/)/,
  'astro-blog': /review page: (http:\/\/\S+\/__headerforge\/)/,
} as const;

const children: ChildProcess[] = [];
const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const child of children) if (child.pid) process.kill(-child.pid, 'SIGKILL');
  for (const step of cleanup) await step();
});

describe.each(Object.keys(commands) as Array<keyof typeof commands>)('%s dev server', (fixture) => {
  it('names the review page when it starts, at an address that serves it', {
    timeout: 90_000,
  }, async () => {
    const site = await copyFixture(fixture);
    cleanup.push(site.remove);
    const { OPENROUTER_API_KEY: _key, NODE_ENV: _env, VITEST: _vitest, ...env } = process.env;
    const child = spawn(process.execPath, [...commands[fixture]], {
      cwd: site.dir,
      env: { ...env, CI: '' },
      detached: true,
      stdio: 'pipe',
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    const url = await until(
      async () => banners[fixture].exec(output)?.[1],
      Boolean,
      `the review page in the output of ${fixture}'s dev server`,
      60_000,
    );
    const page = await fetch(url as string);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>headerforge · review</title>');
  });
});
