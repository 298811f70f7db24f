import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generationKey,
  openImageStore,
  remoteNames,
  type Sidecar,
  sha256Hex,
} from '@headerforge/core/internal';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BuildProcess, keyInputOf, resultOf, spawnBuild } from './support/build-process.js';
import { type RunningStore, STORES, uniquePrefix } from './support/stores.js';

// Two "machines" (two roots, each with its own local cache) share one remote, a real
// store on 127.0.0.1. Builds run in child processes on the built packages.
const KEY = 'sk-or-v1-test-sentinel-remote-builds';
const starters = STORES;

type Summary = Record<string, number>;
const summaryOf = (child: BuildProcess) =>
  (child.events.find((event) => event.type === 'done') as unknown as { summary: Summary }).summary;
const requestedPrompts = (fake: FakeOpenRouter) =>
  fake
    .generations()
    .map((r) => r.prompt)
    .sort();

let fake: FakeOpenRouter;
let machines: string[] = [];
beforeEach(async () => {
  machines = await Promise.all(['a', 'b'].map((name) => mkdtemp(join(tmpdir(), `hf-${name}-`))));
});
afterEach(async () => {
  await fake?.close();
  await Promise.all(machines.map((dir) => rm(dir, { recursive: true, force: true })));
});

function machine(
  index: number,
  store: RunningStore,
  remote: string,
  prompts: string[],
  extra: { env?: Record<string, string>; onEvent?: Parameters<typeof spawnBuild>[1] } = {},
): BuildProcess {
  return spawnBuild(
    {
      root: machines[index] as string,
      baseURL: fake.baseURL,
      apiKey: KEY,
      prompts,
      concurrency: 2,
      remote,
      env: { ...store.env, ...extra.env },
    },
    extra.onEvent,
  );
}

async function localSidecar(root: string, key: string): Promise<Sidecar> {
  return JSON.parse(
    await readFile(join(root, '.headerforge', key.slice(0, 2), `${key}.json`), 'utf8'),
  );
}

describe.each(Object.keys(starters))('two machines sharing a %s remote', (kind) => {
  let store: RunningStore;
  beforeAll(async () => {
    store = await (starters[kind] as () => Promise<RunningStore>)();
  });
  afterAll(async () => {
    await store?.stop();
  });

  it("the second machine's build makes no request and gets the same images", async () => {
    fake = await startFakeOpenRouter({ apiKey: KEY });
    const remote = store.url(uniquePrefix(kind));
    const prompts = Array.from({ length: 3 }, (_, i) => `${kind} shared image ${i}`);
    const first = machine(0, store, remote, prompts);
    expect(await first.exit).toBe(0);
    expect(fake.generations()).toHaveLength(3);
    expect(summaryOf(first)).toMatchObject({ generated: 3, remoteWrites: 3, remoteFallbacks: 0 });

    fake.reset();
    const second = machine(1, store, remote, prompts);
    expect(await second.exit).toBe(0);
    expect(fake.generations()).toHaveLength(0);
    expect(summaryOf(second)).toMatchObject({ generated: 0, cached: 0, remoteHits: 3 });
    expect(resultOf(second).headers.map((h) => h.source)).toEqual(['remote', 'remote', 'remote']);
    // Machine b's local cache now holds a's entries, sidecars as they were written.
    for (const prompt of prompts) {
      const key = generationKey(keyInputOf(prompt));
      expect(await localSidecar(machines[1] as string, key)).toEqual(
        await localSidecar(machines[0] as string, key),
      );
      expect(
        (
          await openImageStore(join(machines[1] as string, '.headerforge')).lookup(
            keyInputOf(prompt),
          )
        ).status,
      ).toBe('hit');
    }
  });

  it('two builds at once make one request per key', async () => {
    fake = await startFakeOpenRouter({ apiKey: KEY, latencyMs: 300 });
    const remote = store.url(uniquePrefix(kind));
    const prompts = Array.from({ length: 5 }, (_, i) => `${kind} race image ${i}`);
    const builds = [machine(0, store, remote, prompts), machine(1, store, remote, prompts)];
    expect(await Promise.all(builds.map((b) => b.exit))).toEqual([0, 0]);
    expect(requestedPrompts(fake)).toEqual([...prompts].sort());
    const [a, b] = builds.map((build) =>
      Object.fromEntries(resultOf(build).headers.map((h) => [h.key, h.sha256])),
    );
    expect(b).toEqual(a);
    const summaries = builds.map(summaryOf);
    expect(summaries.reduce((sum, s) => sum + (s.generated ?? 0), 0)).toBe(5);
    expect(summaries.reduce((sum, s) => sum + (s.remoteHits ?? 0), 0)).toBe(5);
  });

  it('a tampered remote entry is rejected, never copied, and the image is made again', async () => {
    fake = await startFakeOpenRouter({ apiKey: KEY });
    const prefix = uniquePrefix(kind);
    const remote = store.url(prefix);
    const [good, other] = [`${kind} tamper target`, `${kind} tamper donor`];
    expect(await machine(0, store, remote, [good, other]).exit).toBe(0);

    // Someone with write access swaps the target's image for the donor's (a valid PNG).
    const sidecarOf = async (prompt: string) =>
      JSON.parse(
        new TextDecoder().decode(
          await store.get(prefix, remoteNames.sidecar(generationKey(keyInputOf(prompt)))),
        ),
      ) as Sidecar;
    const target = await sidecarOf(good);
    const donor = await store.get(prefix, remoteNames.image(await sidecarOf(other)));
    await store.put(prefix, remoteNames.image(target), donor as Uint8Array);

    fake.reset();
    const second = machine(1, store, remote, [good]);
    expect(await second.exit).toBe(0);
    expect(requestedPrompts(fake)).toEqual([good]);
    const rejected = second.events.filter((event) => event.type === 'remote-rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toMatch(/bytes|hash/);
    expect(summaryOf(second)).toMatchObject({ remoteRejected: 1, remoteHits: 0, generated: 1 });
    const local = await localSidecar(machines[1] as string, target.key);
    expect(local.sha256).not.toBe(sha256Hex(donor as Uint8Array));
    // The entry already in the remote is kept, not overwritten (and said so).
    expect(
      second.events.some(
        (e) => e.type === 'warning' && /kept, not overwritten/.test(String(e.message)),
      ),
    ).toBe(true);
  });

  it('a read-only build reads the remote but writes nothing to it', async () => {
    fake = await startFakeOpenRouter({ apiKey: KEY });
    const prefix = uniquePrefix(kind);
    const remote = store.url(prefix);
    const [shared, fresh] = [`${kind} read-only shared`, `${kind} read-only new`];
    expect(await machine(0, store, remote, [shared]).exit).toBe(0);
    fake.reset();
    const pr = machine(1, store, remote, [shared, fresh], {
      env: { HEADERFORGE_REMOTE_READONLY: '1' },
    });
    expect(await pr.exit).toBe(0);
    expect(requestedPrompts(fake)).toEqual([fresh]);
    expect(summaryOf(pr)).toMatchObject({ remoteHits: 1, generated: 1, remoteWrites: 0 });
    const key = generationKey(keyInputOf(fresh));
    expect(await store.get(prefix, remoteNames.sidecar(key))).toBeUndefined();
  });
});

describe.each(Object.keys(starters))('a %s remote killed mid-build', (kind) => {
  it('still leaves a finished build, with one warning and the fallbacks counted', async () => {
    const store = await (starters[kind] as () => Promise<RunningStore>)();
    try {
      fake = await startFakeOpenRouter({ apiKey: KEY, latencyMs: 150 });
      const prompts = Array.from({ length: 6 }, (_, i) => `${kind} killed remote ${i}`);
      let generated = 0;
      const build = machine(0, store, store.url(uniquePrefix(kind)), prompts, {
        onEvent: (event) => {
          if (event.type === 'generated' && ++generated === 1) store.kill();
        },
      });
      expect(await build.exit).toBe(0);
      expect(resultOf(build).headers).toHaveLength(6);
      expect(resultOf(build).failures).toEqual([]);
      const summary = summaryOf(build);
      expect(summary.generated).toBe(6);
      expect(summary.remoteFallbacks).toBeGreaterThan(0);
      const warnings = build.events.filter(
        (event) =>
          event.type === 'warning' &&
          /cannot connect|no answer|closed/i.test(String(event.message)),
      );
      expect(warnings).toHaveLength(1);
      const local = openImageStore(join(machines[0] as string, '.headerforge'));
      for (const prompt of prompts)
        expect((await local.lookup(keyInputOf(prompt))).status).toBe('hit');
    } finally {
      await store.stop();
    }
  });
});
