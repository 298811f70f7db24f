import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generationKey, openImageStore } from '@headerforge/core';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inputOf } from './support/key-input.js';
import { type PipelineChild, runPipelineChild } from './support/pipeline-child.js';

// These run real builds in child processes (the built packages, as users get them), so
// that one can be killed with SIGKILL and two can race on one cache.
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

type Child = PipelineChild;

function build(
  prompts: string[],
  options: {
    concurrency?: number;
    onEvent?: (event: Record<string, unknown>, child: Child) => void;
  } = {},
): Child {
  return runPipelineChild(
    { root, baseURL: fake.baseURL, apiKey: KEY, prompts, concurrency: options.concurrency ?? 3 },
    options.onEvent,
  );
}

/** Every key is either a verified hit or a clean miss; nothing in the cache is torn. */
async function auditCache(prompts: string[]): Promise<{ hits: number; corrupt: string[] }> {
  const store = openImageStore(join(root, '.headerforge'));
  let hits = 0;
  const corrupt: string[] = [];
  for (const prompt of prompts) {
    const result = await store.lookup(inputOf(prompt));
    if (result.status === 'hit') hits += 1;
    if (result.status === 'corrupt') corrupt.push(result.reason);
  }
  return { hits, corrupt };
}

async function finalFiles(): Promise<string[]> {
  const dir = join(root, '.headerforge');
  const shards = (await readdir(dir).catch(() => [] as string[])).filter((name) =>
    /^[0-9a-f]{2}$/.test(name),
  );
  const names: string[] = [];
  for (const shard of shards)
    names.push(...(await readdir(join(dir, shard))).filter((n) => !n.startsWith('.')));
  return names;
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

      const audit = await auditCache(prompts);
      expect(audit.corrupt).toEqual([]);
      expect(audit.hits).toBeGreaterThanOrEqual(killAfter);
      // Every image file in the cache has its sidecar and verifies (auditCache would have said otherwise).
      const names = await finalFiles();
      expect(names.filter((n) => n.endsWith('.json'))).toHaveLength(audit.hits);

      fake.reset();
      const rerun = build(prompts);
      expect(await rerun.exit).toBe(0);
      expect(fake.generations()).toHaveLength(prompts.length - audit.hits);
      // At most the unique keys plus the requests that were in flight when the build died.
      const inFlight = paidBeforeKill - audit.hits;
      expect(paidBeforeKill + fake.generations().length).toBeLessThanOrEqual(
        prompts.length + inFlight,
      );
      expect((await auditCache(prompts)).hits).toBe(prompts.length);
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

    const requested = fake
      .generations()
      .map((r) => (r.body as { messages: Array<{ content: string }> }).messages[0]?.content);
    expect(requested.sort()).toEqual([...prompts].sort());

    const results = [first, second].map(
      (child) =>
        child.events.find((e) => e.type === 'result') as {
          headers: Array<{ key: string; sha256: string }>;
        },
    );
    const byKey = (r: (typeof results)[number]) =>
      Object.fromEntries(r.headers.map((h) => [h.key, h.sha256]));
    expect(byKey(results[0] as (typeof results)[number])).toEqual(
      byKey(results[1] as (typeof results)[number]),
    );
    expect(Object.keys(byKey(results[0] as (typeof results)[number])).sort()).toEqual(
      prompts.map((p) => generationKey(inputOf(p))).sort(),
    );
    const sidecar = JSON.parse(
      await readFile(
        join(
          root,
          '.headerforge',
          generationKey(inputOf(prompts[0] as string)).slice(0, 2),
          `${generationKey(inputOf(prompts[0] as string))}.json`,
        ),
        'utf8',
      ),
    );
    expect(sidecar.prompt).toBe(prompts[0]);
  });
});
