import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
// The module as tsc built it (the test suite builds first; dist/ holds the bundle, build/ one
// file per module), in plain Node: under vitest, Vite's resolver would find the repository's
// own ioredis from anywhere.
const PEER = pathToFileURL(join(import.meta.dirname, '../../build/remote/peer.js')).href;
const LABEL = 'redis://cache.example:6379/0';

// Real resolution failures: a module in a temp folder outside the repository, where Node
// finds no node_modules with ioredis or aws4fetch in it, imports `source`.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'headerforge-peer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Outcome {
  loaded?: Record<string, unknown>;
  error?: { name: string; code: string; message: string; hint?: string };
}

async function importPeerOf(name: string, source: string): Promise<Outcome> {
  const file = join(dir, `${name}-${Math.random().toString(36).slice(2)}.mjs`);
  await writeFile(file, source);
  const script = `
    const { importPeer } = await import(${JSON.stringify(PEER)});
    try {
      const loaded = await importPeer(${JSON.stringify(name)}, ${JSON.stringify(LABEL)}, () => import(${JSON.stringify(pathToFileURL(file).href)}));
      console.log(JSON.stringify({ loaded: { ...loaded } }));
    } catch (e) {
      console.log(JSON.stringify({ error: { name: e.name, code: e.code, message: e.message, hint: e.hint } }));
    }`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: dir,
  });
  return JSON.parse(stdout) as Outcome;
}

describe('importPeer (optional peer dependencies)', () => {
  it.each([
    ['ioredis', 'A Redis remote'],
    ['aws4fetch', 'An S3 remote'],
  ])('a missing %s is one line naming the package to add', async (name, what) => {
    const { error } = await importPeerOf(name, `export * from '${name}';\n`);
    expect(error).toMatchObject({
      name: 'HeaderforgeError',
      code: 'remote_unavailable',
      message: `${LABEL}: the ${name} package is not installed (npm install ${name})`,
    });
    expect(error?.hint).toContain(`${what} needs ${name}`);
  });

  it('a dependency missing inside an installed package is not reported as the package', async () => {
    const { error } = await importPeerOf('ioredis', `export * from 'headerforge-no-such-dep';\n`);
    expect(error).toMatchObject({ name: 'Error', code: 'ERR_MODULE_NOT_FOUND' });
    expect(error?.message).toContain("'headerforge-no-such-dep'");
  });

  it('an installed package is returned as it is', async () => {
    const outcome = await importPeerOf('ioredis', `export const Redis = 'the client';\n`);
    expect(outcome).toEqual({ loaded: { Redis: 'the client' } });
  });
});
