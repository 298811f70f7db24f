import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  auditCache,
  type BuildConfig,
  type BuildEvent,
  type BuildProcess,
  committedFiles,
  keyOf,
  resultOf,
  spawnBuild,
} from './support/build-process.js';

// Real builds in child processes: one killed with SIGKILL, two racing on one cache. The
// reliability tests (reliability-crashes, reliability-concurrency) push both much further.
const KEY = 'sk-or-v1-test-sentinel-processes';

let root: string;
let fake: FakeOpenRouter;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'hf-proc-'));
});
afterEach(async () => {
  await fake?.close();
  await rm(root, { recursive: true, force: true });
});

const cacheDir = () => join(root, '.headerforge');

function build(
  prompts: string[],
  options: Partial<BuildConfig> & {
    onEvent?: (event: BuildEvent, child: BuildProcess) => void;
  } = {},
): BuildProcess {
  const { onEvent, ...config } = options;
  return spawnBuild(
    { root, baseURL: fake.baseURL, apiKey: KEY, prompts, concurrency: 3, ...config },
    onEvent,
  );
}

describe('a build killed with SIGKILL', () => {
  it.each([2, 5, 9])(
    'after %i images: no torn file, and the rerun pays only for what was not persisted',
    async (killAfter) => {
      fake = await startFakeOpenRouter({ apiKey: KEY, latencyMs: 120 });
      const prompts = Array.from({ length: 12 }, (_, i) => `Crash test ${killAfter} image ${i}`);
      let generated = 0;
      const victim = build(prompts, {
        onEvent: (event, child) => {
          if (event.type === 'generated' && ++generated === killAfter)
            child.process.kill('SIGKILL');
        },
      });
      expect(await victim.exit).toBeNull();
      const paidBeforeKill = fake.generations().length;

      const audit = await auditCache(cacheDir(), prompts);
      expect(audit.corrupt).toEqual([]);
      // Persisted: verified entries, and images whose sidecar the kill cut off (recovered for free).
      const persisted = audit.hits + audit.orphans;
      expect(persisted).toBeGreaterThanOrEqual(killAfter);
      // Every sidecar in the cache verifies (auditCache would have said otherwise).
      const names = await committedFiles(cacheDir());
      expect(names.filter((n) => n.endsWith('.json'))).toHaveLength(audit.hits);

      fake.reset();
      const rerun = build(prompts);
      expect(await rerun.exit).toBe(0);
      expect(fake.generations()).toHaveLength(prompts.length - persisted);
      // At most the unique keys plus the requests that were in flight when the build died.
      const inFlight = paidBeforeKill - persisted;
      expect(paidBeforeKill + fake.generations().length).toBeLessThanOrEqual(
        prompts.length + inFlight,
      );
      expect((await auditCache(cacheDir(), prompts)).hits).toBe(prompts.length);
    },
  );
});

describe('two builds at once on one cache', () => {
  it('make one request per key and get identical images', async () => {
    fake = await startFakeOpenRouter({ apiKey: KEY, latencyMs: 200 });
    const prompts = Array.from({ length: 8 }, (_, i) => `Shared cache image ${i}`);
    const first = build(prompts, { concurrency: 2 });
    const second = build(prompts, { concurrency: 2 });
    expect(await Promise.all([first.exit, second.exit])).toEqual([0, 0]);

    const requested = fake.generations().map((r) => r.prompt);
    expect(requested.sort()).toEqual([...prompts].sort());

    const byKey = (child: BuildProcess) =>
      Object.fromEntries(resultOf(child).headers.map((h) => [h.key, h.sha256]));
    expect(byKey(first)).toEqual(byKey(second));
    expect(Object.keys(byKey(first)).sort()).toEqual(prompts.map((p) => keyOf(p)).sort());
    const key = keyOf(prompts[0] as string);
    const sidecar = JSON.parse(
      await readFile(join(cacheDir(), key.slice(0, 2), `${key}.json`), 'utf8'),
    );
    expect(sidecar.prompt).toBe(prompts[0]);
  });
});
