import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { doctorCacheCheck, paidImagesLost } from './support/cache-audit.js';
import { headerforgeBin, runHeaderforge } from './support/cli.js';
import { expectCleanCrashRuns, runCrashLoop } from './support/crash-loop.js';
import { fakeForFile } from './support/fake-server.js';
import { SMALL_IMAGES } from './support/faults.js';
import { makeSite } from './support/fixtures.js';
import { seededRandom, testSeed } from './support/prng.js';

// `headerforge compact` killed with SIGKILL again and again while it converts a cache kept
// as received, each kill at a different number of converted files: after every kill the cache
// verifies byte for byte and keeps every paid image; a run to the end then finishes the job.
const KEY = 'sk-or-v1-test-sentinel-compact-kills';
const SEED = testSeed(20_261_129);
const KILLS = 8;
const POSTS = 14;
const BUILD_KILLS = 8;

const server = fakeForFile(KEY);
const { cleanup, env } = server;

/** Every file in the cache's shards, by name. */
async function shardFiles(cacheDir: string): Promise<string[]> {
  const names: string[] = [];
  for (const shard of (await readdir(cacheDir)).filter((name) => /^[0-9a-f]{2}$/.test(name)))
    names.push(...(await readdir(join(cacheDir, shard))));
  return names;
}

const converted = async (cacheDir: string) =>
  (await shardFiles(cacheDir)).filter((name) => name.endsWith('.avif')).length;

/** Starts `compact` and kills it with SIGKILL once `after` files have been converted. */
async function killedCompact(root: string, cacheDir: string, after: number): Promise<number> {
  const { OPENROUTER_API_KEY: _key, NODE_ENV: _env, ...inherited } = process.env;
  const child: ChildProcess = spawn(process.execPath, [headerforgeBin, 'compact', '--root', root], {
    env: { ...inherited, ...env() },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => {
    done = true;
  });
  while (!done && (await converted(cacheDir)) < after)
    await new Promise((resolve) => setTimeout(resolve, 5));
  if (!done) child.kill('SIGKILL');
  await exited;
  return converted(cacheDir);
}

describe(`headerforge compact killed with SIGKILL ${KILLS} times (seed ${SEED})`, () => {
  it('leaves a cache that verifies and keeps every paid image after each kill; a full run then converts the rest', {
    timeout: 240_000,
  }, async () => {
    console.log(
      `[reliability] compact kills seed ${SEED}; HEADERFORGE_TEST_SEED=${SEED} replays it`,
    );
    const posts = Object.fromEntries(
      Array.from({ length: POSTS }, (_, i) => [
        `posts/post-${i}.md`,
        // One post with three candidates, so that candidate files are converted too.
        i === 0
          ? `---\nheader:\n  prompt: A harbour at dusk, compact kill test ${i}\n  candidates: 3\n---\nBody.\n`
          : `---\nheader: A harbour at dusk, compact kill test ${i}\n---\nBody.\n`,
      ]),
    );
    const made = await makeSite('compact-kills', posts, {
      include: ['posts/*.md'],
      ...SMALL_IMAGES,
      widths: [320],
      formats: ['webp'],
      original: 'as-received',
    });
    cleanup.push(made.remove);
    const root = made.dir;
    const cacheDir = join(root, '.headerforge');
    expect(await runHeaderforge(['generate', '--root', root], env())).toMatchObject({ code: 0 });
    const images = POSTS + 2;
    expect((await shardFiles(cacheDir)).filter((name) => name.endsWith('.png'))).toHaveLength(
      images,
    );
    const paid = server.fake.generations().length;

    const random = seededRandom(SEED);
    const killedAt: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const before = await converted(cacheDir);
      if (before >= images) break;
      killedAt.push(await killedCompact(root, cacheDir, random.int(before + 1, images - 1)));
      const doctor = await runHeaderforge(['doctor', '--json', '--root', root], env());
      const checks = JSON.parse(doctor.stdout) as Array<{ check: string; status: string }>;
      expect(checks.find((check) => check.check === 'cache-verifies')).toMatchObject({
        status: 'ok',
      });
      expect(await paidImagesLost(server.fake, cacheDir)).toEqual([]);
    }
    // The kills landed part way: some files converted, never all of them.
    expect(killedAt.some((count) => count > 0 && count < images)).toBe(true);
    console.log(
      `[reliability] compact: ${killedAt.length} SIGKILLs, converted files at each kill: ${killedAt.join(', ')} of ${images}`,
    );

    const finished = await runHeaderforge(['compact', '--root', root, '--json'], env());
    expect(finished.code).toBe(0);
    expect(JSON.parse(finished.stdout)).toMatchObject({ problems: [] });
    const names = await shardFiles(cacheDir);
    expect(names.filter((name) => name.endsWith('.png'))).toEqual([]);
    expect(names.filter((name) => name.endsWith('.avif'))).toHaveLength(images);
    const sidecars = await Promise.all(
      names
        .filter((name) => name.endsWith('.json'))
        .map(async (name) =>
          JSON.parse(await readFile(join(cacheDir, name.slice(0, 2), name), 'utf8')),
        ),
    );
    for (const sidecar of sidecars) expect(sidecar.received?.mediaType).toBe('image/png');
    expect(await paidImagesLost(server.fake, cacheDir)).toEqual([]);
    // The converted cache serves the next build with no request.
    expect(await runHeaderforge(['generate', '--root', root], env())).toMatchObject({ code: 0 });
    expect(server.fake.generations()).toHaveLength(paid);
  });

  it(`builds storing compactly, killed ${BUILD_KILLS} times, lose no paid image and leave a cache that verifies`, {
    timeout: 240_000,
  }, async () => {
    // The kills land between the received bytes' write, the compact file's, the sidecar's
    // and the received file's removal, as well as in requests and derivations.
    const made = await makeSite('compact-build-kills', {}, { ...SMALL_IMAGES });
    cleanup.push(made.remove);
    const prompts = Array.from({ length: 20 }, (_, i) => `A lighthouse in fog, compact crash ${i}`);
    server.fake.reset();
    const outcome = await runCrashLoop({
      fake: server.fake,
      root: made.dir,
      apiKey: KEY,
      prompts,
      kills: BUILD_KILLS,
      seed: SEED,
      concurrency: 4,
      ...SMALL_IMAGES,
    });
    expectCleanCrashRuns(outcome, 4);
    expect(outcome.final.code).toBe(0);
    expect(outcome.final.requests).toBe(outcome.uniqueKeys - outcome.final.persistedBefore);
    expect(await doctorCacheCheck(made.dir, env())).toMatchObject({ status: 'ok' });
    expect(await paidImagesLost(server.fake, join(made.dir, '.headerforge'))).toEqual([]);
  });
});
