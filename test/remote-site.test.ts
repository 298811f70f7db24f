import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHeaderService } from '@headerforge/core/adapter';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import sharp from 'sharp';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHeaderforge } from './support/cli.js';
import { copyFixture, listFiles } from './support/fixtures.js';
import { type RunningStore, startRedis, startS3, uniquePrefix } from './support/stores.js';

// The remote cache as a user meets it: the real vite-blog fixture, configured through its
// .env, built with Vite on two "machines"; and the `headerforge` command's push, pull and
// status against a real Redis.
const KEY = 'sk-or-v1-test-sentinel-remote-site';
let fake: FakeOpenRouter;
let s3: RunningStore;
let redis: RunningStore;
const sites: Array<Awaited<ReturnType<typeof copyFixture>>> = [];

beforeAll(async () => {
  [fake, s3, redis] = await Promise.all([
    startFakeOpenRouter({ apiKey: KEY }),
    startS3(),
    startRedis(),
  ]);
});
afterAll(async () => {
  await Promise.all([fake?.close(), s3?.stop(), redis?.stop()]);
  await Promise.all(sites.map((site) => site.remove()));
});

async function site(env: Record<string, string>) {
  const copy = await copyFixture('vite-blog', {
    env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL, ...env },
  });
  sites.push(copy);
  return copy.dir;
}

async function viteBuild(root: string): Promise<string[]> {
  await build({
    root,
    configFile: join(root, 'vite.config.js'),
    logLevel: 'warn',
    mode: 'production',
  });
  const dist = join(root, 'dist');
  const masters: string[] = [];
  for (const file of await listFiles(dist)) {
    if (!file.endsWith('.png')) continue;
    const meta = await sharp(join(dist, file)).metadata();
    masters.push(`${meta.width}x${meta.height}`);
  }
  return masters;
}

describe('two copies of the Vite blog sharing an S3 remote', () => {
  it("the second copy's build makes no request, and status shows the images in the remote", async () => {
    const env = { HEADERFORGE_REMOTE: s3.url(uniquePrefix('vite')), ...s3.env };
    const [a, b] = [await site(env), await site(env)];
    expect(await viteBuild(a)).toEqual(['1344x756', '1344x756']);
    expect(fake.generations()).toHaveLength(2);

    fake.reset();
    expect(await viteBuild(b)).toEqual(['1344x756', '1344x756']);
    expect(fake.generations()).toHaveLength(0);

    const status = await runHeaderforge(['status', '--json', '--root', b]);
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout) as {
      posts: Array<{ status: string; remote: boolean | null }>;
      remote: { url: string; readOnly: boolean };
    };
    expect(report.posts.map((post) => [post.status, post.remote])).toEqual([
      ['cached', true],
      ['cached', true],
    ]);
    expect(report.remote.url).toMatch(/^s3:\/\/headerforge-test\/vite-/);
    expect(status.stdout).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY);
  });
});

describe('a runner that kept its derived cache, with an empty committed cache', () => {
  it('reads every image through from Redis and has every copy written when vite build returns', async () => {
    const env = { HEADERFORGE_REMOTE: redis.url(uniquePrefix('vite-behind')) };
    const dir = await site(env);
    expect(await viteBuild(dir)).toEqual(['1344x756', '1344x756']);
    const sidecars = await committedSidecars(dir);
    expect(sidecars).toHaveLength(2);
    fake.reset();

    // The derived files are kept, so the build needs no pixel of the images: their local
    // copies are written behind it, and Vite's closeBundle waits for them.
    await rm(join(dir, '.headerforge'), { recursive: true, force: true });
    expect(await viteBuild(dir)).toEqual(['1344x756', '1344x756']);
    expect(fake.requests).toHaveLength(0);
    expect(await committedSidecars(dir)).toEqual(sidecars);
    const status = await runHeaderforge(['status', '--json', '--root', dir]);
    expect(
      (JSON.parse(status.stdout) as { posts: Array<{ status: string }> }).posts.map(
        (post) => post.status,
      ),
    ).toEqual(['cached', 'cached']);
  });
});

describe("a host's header service for a build", () => {
  it('writes its read-through copies behind by default, and close waits for them', async () => {
    const env = { HEADERFORGE_REMOTE: redis.url(uniquePrefix('service-behind')) };
    const dir = await site(env);
    // As vite.config.js gives them; the service reads the key and the remote from `env`.
    const options = { include: ['posts/**/*.md'], widths: [640, 960] };
    const serviceEnv = {
      OPENROUTER_API_KEY: KEY,
      OPENROUTER_BASE_URL: fake.baseURL,
      ...env,
    };
    const cold = createHeaderService({ root: dir, options, env: serviceEnv });
    expect((await cold.ready()).summary).toMatchObject({ generated: 2, remoteWrites: 2 });
    await cold.close();
    const sidecars = await committedSidecars(dir);
    fake.reset();

    // Neither `deferWork` (a dev server's) nor `writeBehind` given: a build's service. The
    // derived files are kept, so no pixel is needed and the copies are written behind.
    await rm(join(dir, '.headerforge'), { recursive: true, force: true });
    const service = createHeaderService({ root: dir, options, env: serviceEnv });
    const result = await service.ready();
    expect(result.summary).toMatchObject({ remoteHits: 2, generated: 0, failed: 0 });
    expect(result.writesDone).toBeInstanceOf(Promise);
    await service.close();
    expect(await committedSidecars(dir)).toEqual(sidecars);
    expect(fake.requests).toHaveLength(0);
  });
});

/** Every sidecar of a site's committed cache, by file, as written. */
async function committedSidecars(dir: string): Promise<Array<[string, string]>> {
  const cache = join(dir, '.headerforge');
  const files = (await listFiles(cache)).filter((file) => file.endsWith('.json')).sort();
  return Promise.all(
    files.map(
      async (file) => [file, await readFile(join(cache, file), 'utf8')] as [string, string],
    ),
  );
}

describe('headerforge push, pull and status with a Redis remote', () => {
  it('push uploads what the remote lacks, pull fills another copy, status shows both', async () => {
    const remote = { HEADERFORGE_REMOTE: redis.url(uniquePrefix('cli')) };
    const first = await site({});
    expect((await runHeaderforge(['generate', '--root', first])).code).toBe(0);
    expect(fake.generations()).toHaveLength(2);

    const before = await runHeaderforge(['status', '--root', first], remote);
    expect(before.stdout).toMatch(/posts\/deep-sea\.md\s+cached\s+no\s+/);
    const dry = await runHeaderforge(['push', '--dry-run', '--root', first], remote);
    expect(dry).toMatchObject({ code: 0, stdout: expect.stringContaining('2 to upload') });
    const pushed = await runHeaderforge(['push', '--json', '--root', first], remote);
    expect(pushed.code).toBe(0);
    expect(JSON.parse(pushed.stdout)).toMatchObject({ uploaded: 2, alreadyThere: 0 });
    const again = await runHeaderforge(['push', '--root', first], remote);
    expect(again.stdout).toContain('0 uploaded');
    expect(again.stdout).toContain('2 already there');
    const after = await runHeaderforge(['status', '--root', first], remote);
    expect(after.stdout).toMatch(/posts\/deep-sea\.md\s+cached\s+yes\s+/);

    fake.reset();
    const second = await site({});
    const pulled = await runHeaderforge(['pull', '--json', '--root', second], remote);
    expect(pulled.code).toBe(0);
    expect(JSON.parse(pulled.stdout)).toMatchObject({ pulled: 2, rejected: 0 });
    // Everything is local now: a cache-only build has all it needs.
    const generate = await runHeaderforge(['generate', '--root', second, '--json']);
    expect(generate.code).toBe(0);
    expect(JSON.parse(generate.stdout).summary).toMatchObject({ cached: 2, generated: 0 });
    expect(fake.generations()).toHaveLength(0);
  });

  it('push and pull carry every candidate of a post, not only the one it shows', async () => {
    const remote = { HEADERFORGE_REMOTE: redis.url(uniquePrefix('candidates')) };
    const withCandidates = async (dir: string) => {
      const post = join(dir, 'posts', 'deep-sea.md');
      const source = await readFile(post, 'utf8');
      await writeFile(
        post,
        source.replace('  focus: top\n', '  focus: top\n  candidates: 3\n  pick: 2\n'),
      );
    };
    const first = await site({});
    await withCandidates(first);
    fake.reset();
    expect((await runHeaderforge(['generate', '--root', first])).code).toBe(0);
    // hello-world's image, and deep-sea's three in one request with n.
    expect(fake.generations()).toHaveLength(2);
    const pushed = await runHeaderforge(['push', '--json', '--root', first], remote);
    expect(JSON.parse(pushed.stdout)).toMatchObject({ uploaded: 4 });

    fake.reset();
    const second = await site({});
    await withCandidates(second);
    const pulled = await runHeaderforge(['pull', '--json', '--root', second], remote);
    expect(JSON.parse(pulled.stdout)).toMatchObject({ pulled: 4, rejected: 0 });
    // The pulled entry lists every candidate, each checked as a build checks it.
    const doctor = await runHeaderforge(['doctor', '--json', '--root', second]);
    const verifies = JSON.parse(doctor.stdout).find(
      (check: { check: string }) => check.check === 'cache-verifies',
    );
    expect(verifies).toMatchObject({
      status: 'ok',
      message: expect.stringMatching(/^2 cached images verified/),
    });
    const generate = await runHeaderforge(['generate', '--root', second, '--json']);
    expect(JSON.parse(generate.stdout).summary).toMatchObject({ generated: 0, cached: 4 });
    expect(fake.generations()).toHaveLength(0);
  });

  it("a teammate's build reads a post's candidates from the remote: no request, none paid twice", async () => {
    const remote = { HEADERFORGE_REMOTE: redis.url(uniquePrefix('team-candidates')) };
    const withCandidates = async (dir: string) => {
      const post = join(dir, 'posts', 'deep-sea.md');
      const source = await readFile(post, 'utf8');
      await writeFile(post, source.replace('  focus: top\n', '  focus: top\n  candidates: 3\n'));
    };
    const [first, second] = [await site(remote), await site(remote)];
    await withCandidates(first);
    await withCandidates(second);
    fake.reset();
    expect((await runHeaderforge(['generate', '--root', first])).code).toBe(0);
    expect(fake.generations()).toHaveLength(2);

    fake.reset();
    const again = await runHeaderforge(['generate', '--json', '--root', second]);
    expect(again.code).toBe(0);
    expect(fake.generations()).toHaveLength(0);
    expect(JSON.parse(again.stdout).summary).toMatchObject({ generated: 0 });
  });

  it('a batch asks only for the candidates the remote does not have', async () => {
    const remote = { HEADERFORGE_REMOTE: redis.url(uniquePrefix('partial-candidates')) };
    const candidates = async (dir: string, count: number) => {
      const post = join(dir, 'posts', 'deep-sea.md');
      const source = await readFile(post, 'utf8');
      await writeFile(
        post,
        source.replace('  focus: top\n', `  focus: top\n  candidates: ${count}\n`),
      );
    };
    const [first, second] = [await site(remote), await site(remote)];
    await candidates(first, 2);
    await candidates(second, 4);
    expect((await runHeaderforge(['generate', '--root', first])).code).toBe(0);

    fake.reset();
    const more = await runHeaderforge(['generate', '--json', '--root', second]);
    expect(more.code).toBe(0);
    // Candidates 1 and 2 come from the remote; 3 and 4 in one request of two.
    expect(fake.generations().map((request) => (request.body as { n?: number }).n)).toEqual([2]);
    expect(JSON.parse(more.stdout).summary).toMatchObject({ generated: 2, failed: 0 });
  });

  it('usage errors: no remote, a read-only push, a bad URL (with its password hidden)', async () => {
    const dir = await site({});
    const none = await runHeaderforge(['pull', '--root', dir]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('needs a remote cache');
    const readOnly = await runHeaderforge(['push', '--root', dir], {
      HEADERFORGE_REMOTE: redis.url(),
      HEADERFORGE_REMOTE_READONLY: '1',
    });
    expect(readOnly.code).toBe(2);
    expect(readOnly.stderr).toContain('read-only');
    const bad = await runHeaderforge(['status', '--root', dir], {
      HEADERFORGE_REMOTE: 'redis://:hunter2@127.0.0.1:6379/cache',
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('HEADERFORGE_REMOTE');
    expect(bad.stderr).toContain('is not a database number');
    expect(bad.stderr).not.toContain('hunter2');
    for (const command of ['push', 'pull']) {
      const help = await runHeaderforge([command, '--help']);
      expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('--dry-run') });
    }
  });
});
