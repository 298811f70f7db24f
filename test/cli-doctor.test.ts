import { readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHeaderforge } from './support/cli.js';
import { copyFixture, exists, listFiles } from './support/fixtures.js';

const KEY = 'sk-or-v1-test-sentinel-doctor';
const UNREACHABLE = 'http://127.0.0.1:9/api/v1';
const CHECKS = ['node', 'api-key', 'base-url', 'model', 'cache-writable', 'cache-verifies'];
let fake: FakeOpenRouter;
const copies: Awaited<ReturnType<typeof copyFixture>>[] = [];

beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: KEY });
});
afterAll(async () => {
  await fake.close();
  await Promise.all(copies.map((copy) => copy.remove()));
});

async function site(): Promise<string> {
  const copy = await copyFixture('vite-blog');
  copies.push(copy);
  return copy.dir;
}

// Every run talks to this file's fake server unless a test says otherwise.
const headerforge = (args: string[], env: Record<string, string | undefined> = {}) =>
  runHeaderforge(args, { OPENROUTER_BASE_URL: fake.baseURL, ...env });

const withKey = { OPENROUTER_API_KEY: KEY };

/** The check lines of a text report (hint lines are indented), as the user reads them. */
function checks(stdout: string): { status: string; check: string; message: string }[] {
  return stdout
    .split('\n')
    .filter((line) => /^\S/.test(line))
    .map((line) => {
      const [, status = '', check = '', message = ''] = /^(\S+)\s+(\S+)\s+(.*)$/.exec(line) ?? [];
      return { status, check, message };
    });
}

describe('headerforge doctor', () => {
  it('reports every check ok with a key and a reachable server, and never shows the key', async () => {
    const dir = await site();
    const run = await headerforge(['doctor', '--root', dir], withKey);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.trim().split('\n')).toHaveLength(CHECKS.length);
    expect(checks(run.stdout)).toEqual(
      CHECKS.map((check) => ({ status: 'ok', check, message: expect.any(String) })),
    );
    expect(run.stdout).toMatch(/^ok\s+api-key\s+OPENROUTER_API_KEY is set in the environment/m);
    expect(run.stdout).toMatch(
      /^ok\s+model\s+google\/gemini-2\.5-flash-image outputs 16:9 images at 1K \(2 posts checked\)$/m,
    );
    expect(run.stdout).toMatch(/^ok\s+cache-verifies\s+empty cache/m);
    expect(run.stdout + run.stderr).not.toContain(KEY);
    // Not even a prefix or a tail of it.
    expect(run.stdout).not.toMatch(/sk-or|sentinel/);
    // The write probes leave nothing behind, not even the folders made for them.
    expect(await exists(join(dir, '.headerforge'))).toBe(false);
    expect(await exists(join(dir, 'node_modules', '.cache'))).toBe(false);
  });

  it('warns without a key and still exits 0', async () => {
    const run = await headerforge(['doctor', '--root', await site()]);
    expect(run.code).toBe(0);
    expect(checks(run.stdout).map((line) => `${line.status} ${line.check}`)).toEqual(
      CHECKS.map((check) => `${check === 'api-key' ? 'warn' : 'ok'} ${check}`),
    );
    expect(run.stdout).toMatch(
      /^warn\s+api-key\s+OPENROUTER_API_KEY is not set.*\n\s+hint: .*placeholder.*cache-only/m,
    );
  });

  it('fails on an unreachable server: one line per check and a hint, exit 1, no stack trace', async () => {
    const run = await headerforge(['doctor', '--root', await site()], {
      ...withKey,
      OPENROUTER_BASE_URL: UNREACHABLE,
    });
    expect(run).toMatchObject({ code: 1, stderr: '' });
    expect(run.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^ok\s+node\s+Node \d+\.\d+\.\d+/),
      expect.stringMatching(/^ok\s+api-key\s/),
      expect.stringMatching(
        /^fail\s+base-url\s+Could not list image models from http:\/\/127\.0\.0\.1:9\/api\/v1: /,
      ),
      expect.stringMatching(/^\s+hint: Check the network and OPENROUTER_BASE_URL/),
      expect.stringMatching(/^warn\s+model\s+skipped/),
      expect.stringMatching(/^\s+hint: Fix the base-url check/),
      expect.stringMatching(/^ok\s+cache-writable\s/),
      expect.stringMatching(/^ok\s+cache-verifies\s/),
    ]);
    expect(run.stdout).not.toMatch(/\n\s+at /);
    expect(run.stdout).not.toContain(KEY);
  });

  it('fails naming the post and the model when a post asks for a model the server lacks', async () => {
    const dir = await site();
    await writeFile(
      join(dir, 'posts', 'nope.md'),
      '---\ntitle: Nope\nheader: { prompt: x, model: acme/nope }\n---\n',
    );
    const run = await headerforge(['doctor', '--root', dir], withKey);
    expect(run.code).toBe(1);
    const model = checks(run.stdout).find((line) => line.check === 'model');
    expect(model?.status).toBe('fail');
    expect(model?.message).toMatch(/posts\/nope\.md:3: model "acme\/nope" is not an image model/);
    // The posts on the site's own settings are fine and not named.
    expect(model?.message).not.toContain('hello-world');
    expect(run.stdout).toMatch(/\n\s+hint: Use an image model .*google\/gemini-2\.5-flash-image/);
    expect(checks(run.stdout).filter((line) => line.status === 'fail')).toHaveLength(1);
  });

  it('checks each post against what its model accepts on its endpoint, as a build would before paying', async () => {
    const dir = await site();
    // gpt-image-1 is on the Image API only, without 16:9 and without a seed.
    await writeFile(
      join(dir, 'posts', 'wide.md'),
      '---\ntitle: Wide\nheader: { prompt: x, model: openai/gpt-image-1, seed: 4 }\n---\n',
    );
    const run = await headerforge(['doctor', '--root', dir], withKey);
    expect(run.code).toBe(1);
    const model = checks(run.stdout).find((line) => line.check === 'model');
    expect(model?.status).toBe('fail');
    expect(model?.message).toMatch(
      /posts\/wide\.md:3: aspectRatio "16:9" is not accepted by openai\/gpt-image-1; valid: 1:1, 2:3, 3:2 \(did you mean "3:2"\?\) \(on the Image API\)/,
    );
    expect(model?.message).not.toContain('hello-world');

    // On chat completions the same model does not exist: doctor says so, naming the setting.
    const chat = await headerforge(['doctor', '--root', dir], {
      ...withKey,
      HEADERFORGE_TRANSPORT: 'chat',
    });
    expect(checks(chat.stdout).find((line) => line.check === 'model')?.message).toMatch(
      /posts\/wide\.md:3: openai\/gpt-image-1 is only on the Image API/,
    );
    expect(fake.generations()).toHaveLength(0);
  });

  it('--quick checks sizes and sidecars without hashing: a truncated image fails, a same-sized edit passes', async () => {
    const dir = await site();
    expect((await headerforge(['generate', '--root', dir], withKey)).code).toBe(0);
    const cache = join(dir, '.headerforge');
    const [image = ''] = (await listFiles(cache)).filter((file) => /\.(png|avif)$/.test(file));
    const original = await readFile(join(cache, image));
    const flipped = Buffer.from(original);
    flipped[flipped.length - 20] = (flipped[flipped.length - 20] ?? 0) ^ 0xff;
    await writeFile(join(cache, image), flipped);

    const quick = await headerforge(['doctor', '--quick', '--root', dir], withKey);
    expect(quick.code).toBe(0);
    expect(quick.stdout).toMatch(
      /^ok\s+cache-verifies\s+2 cached images checked by size and sidecar \(--quick: run without it to hash every byte\)$/m,
    );
    expect((await headerforge(['doctor', '--root', dir], withKey)).code).toBe(1);

    await writeFile(join(cache, image), original.subarray(0, original.length - 100));
    const truncated = await headerforge(['doctor', '--quick', '--root', dir], withKey);
    expect(truncated.code).toBe(1);
    // status judges images the same quick way.
    expect((await headerforge(['status', '--root', dir])).stdout).toMatch(/\s+corrupt\s+/);
    expect(
      checks(truncated.stdout).find((line) => line.check === 'cache-verifies')?.message,
    ).toMatch(
      new RegExp(
        `1 corrupt: \\.headerforge/${image.replace('.', '\\.')} has \\d+ bytes, its sidecar says \\d+`,
      ),
    );
  });

  it('--quick reads a post the last build recorded again once it changed', async () => {
    const dir = await site();
    expect((await headerforge(['generate', '--root', dir], withKey)).code).toBe(0);
    const post = join(dir, 'posts', 'hello-world.md');
    await writeFile(
      post,
      (await readFile(post, 'utf8')).replace(
        /^header: (.*)$/m,
        'header: { prompt: $1, model: acme/nope }',
      ),
    );
    const quick = await headerforge(['doctor', '--quick', '--root', dir], withKey);
    expect(quick.code).toBe(1);
    expect(checks(quick.stdout).find((line) => line.check === 'model')?.message).toMatch(
      /posts\/hello-world\.md:\d+: model "acme\/nope" is not an image model/,
    );
  });

  it('hashes every cached image, names a tampered one without moving it, and warns on an orphan', async () => {
    const dir = await site();
    expect((await headerforge(['generate', '--root', dir], withKey)).code).toBe(0);
    const cache = join(dir, '.headerforge');
    const verified = await headerforge(['doctor', '--root', dir], withKey);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^ok\s+cache-verifies\s+2 cached images verified/m);

    const images = (await listFiles(cache)).filter((file) => /\.(png|avif)$/.test(file));
    expect(images).toHaveLength(2);
    const [tampered = '', other = ''] = images;
    const original = await readFile(join(cache, tampered));
    const flipped = Buffer.from(original);
    flipped[flipped.length - 20] = (flipped[flipped.length - 20] ?? 0) ^ 0xff;
    const { atime, mtime } = await stat(join(cache, tampered));
    await writeFile(join(cache, tampered), flipped);
    // Same size and time as before: only hashing every byte can tell.
    await utimes(join(cache, tampered), atime, mtime);
    const before = await listFiles(cache);

    const corrupt = await headerforge(['doctor', '--root', dir], withKey);
    expect(corrupt).toMatchObject({ code: 1, stderr: '' });
    const line = checks(corrupt.stdout).find((check) => check.check === 'cache-verifies');
    expect(line).toEqual({
      status: 'fail',
      check: 'cache-verifies',
      message: `1 verified, 1 corrupt: .headerforge/${tampered} does not match the hash in its sidecar`,
    });
    expect(corrupt.stdout).toMatch(/fail\s+cache-verifies.*\n\s+hint: Restore the entries/);
    // Read-only: the entry stays where it was, bytes and all; nothing is quarantined.
    expect(await listFiles(cache)).toEqual(before);
    expect(await readFile(join(cache, tampered))).toEqual(flipped);

    await writeFile(join(cache, tampered), original);
    const sidecar = other.replace(/\.\w+$/, '.json');
    await rm(join(cache, sidecar));
    const orphan = await headerforge(['doctor', '--root', dir], withKey);
    expect(orphan.code).toBe(0);
    expect(orphan.stdout).toMatch(
      new RegExp(
        `^warn\\s+cache-verifies\\s+1 cached image verified \\(every byte hashed\\); 1 image without a sidecar: \\.headerforge/${other.replace('.', '\\.')}\\n\\s+hint: `,
        'm',
      ),
    );
    expect(await exists(join(cache, sidecar))).toBe(false);
  });

  it('--json prints one { check, status, message, hint? } per check, without the key', async () => {
    const dir = await site();
    await writeFile(join(dir, '.env'), `OPENROUTER_API_KEY=${KEY}\n`);
    const good = await headerforge(['doctor', '--json', '--root', dir]);
    expect(good.code).toBe(0);
    expect(good.stdout).not.toContain(KEY);
    const report = JSON.parse(good.stdout);
    expect(report).toEqual(
      CHECKS.map((check) => ({ check, status: 'ok', message: expect.any(String) })),
    );
    expect(report[1].message).toBe('OPENROUTER_API_KEY is set in the site’s .env (not shown)');

    const bad = await headerforge(['doctor', '--json', '--root', await site()], {
      OPENROUTER_BASE_URL: UNREACHABLE,
    });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toEqual([
      { check: 'node', status: 'ok', message: expect.any(String) },
      { check: 'api-key', status: 'warn', message: expect.any(String), hint: expect.any(String) },
      {
        check: 'base-url',
        status: 'fail',
        message: expect.stringContaining(UNREACHABLE),
        hint: expect.any(String),
      },
      { check: 'model', status: 'warn', message: expect.any(String), hint: expect.any(String) },
      { check: 'cache-writable', status: 'ok', message: expect.any(String) },
      { check: 'cache-verifies', status: 'ok', message: expect.any(String) },
    ]);
  });

  it('a folder that is not a site is a usage error, exit 2', async () => {
    const run = await headerforge(['doctor', '--root', join(await site(), 'posts')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^headerforge: No astro\.config\.\* or vite\.config\.\* in /);
    expect(run.stdout).toBe('');
  });
});
