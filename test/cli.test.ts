import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headerforgeBin as bin, runHeaderforge } from './support/cli.js';
import { copyFixture } from './support/fixtures.js';

const KEY = 'sk-or-v1-test-sentinel-cli';
let fake: FakeOpenRouter;
let vite: Awaited<ReturnType<typeof copyFixture>>;
let astro: Awaited<ReturnType<typeof copyFixture>>;

beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: KEY });
  vite = await copyFixture('vite-blog');
  astro = await copyFixture('astro-blog');
});
afterAll(async () => {
  await fake.close();
  await vite.remove();
  await astro.remove();
});

// Every run talks to this file's fake server unless a test says otherwise.
const headerforge = (args: string[], env: Record<string, string | undefined> = {}) =>
  runHeaderforge(args, { OPENROUTER_BASE_URL: fake.baseURL, ...env });

const withKey = { OPENROUTER_API_KEY: KEY };

describe('headerforge (the command)', () => {
  it('--help on the command and every subcommand; unknown commands and bad flags exit 2', async () => {
    const help = await headerforge(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['generate', 'status', 'prune', 'models']) {
      expect(help.stdout).toContain(command);
      const sub = await headerforge([command, '--help']);
      expect(sub.code).toBe(0);
      expect(sub.stdout).toContain(`headerforge ${command}`);
    }
    expect(await headerforge(['frobnicate'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown command "frobnicate"'),
    });
    expect(
      await headerforge(['generate', '--concurrency', 'lots', '--root', vite.dir]),
    ).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--concurrency expects a number'),
    });
    expect(await headerforge(['status', '--root', join(vite.dir, 'nope')])).toMatchObject({
      code: 2,
    });
  });

  it('status lists every post with a header, from the Vite config, as text or JSON', async () => {
    const text = await headerforge(['status', '--root', vite.dir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /posts\/deep-sea\.md\s+missing\s+[0-9a-f]{12}\s+google\/gemini-2\.5-flash-image\s+1K/,
    );
    expect(text.stdout).toContain('2 posts · 0 cached · 2 not cached');
    const json = JSON.parse((await headerforge(['status', '--json', '--root', vite.dir])).stdout);
    expect(
      json.posts.map((post: { file: string; status: string }) => `${post.file} ${post.status}`),
    ).toEqual(['posts/deep-sea.md missing', 'posts/hello-world.md missing']);
  });

  it('generate without a key is one line and a hint, exit 1, no stack trace', async () => {
    const run = await headerforge(['generate', '--root', vite.dir]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      'headerforge: OPENROUTER_API_KEY is not set: nothing can be generated',
      expect.stringMatching(/^ {2}hint: /),
    ]);
    expect(fake.generations()).toHaveLength(0);
  });

  it('generate --dry-run lists what would be made, priced from the catalogue, and requests nothing', async () => {
    const run = await headerforge(['generate', '--dry-run', '--root', vite.dir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /posts\/hello-world\.md\s+google\/gemini-2\.5-flash-image\s+1K\s+\$0\.04\s+images/,
    );
    expect(run.stdout).toContain('2 images to generate');
    expect(fake.generations()).toHaveLength(0);
  });

  it('generate fills the cache, prints plain progress and a table; a second run pays nothing', async () => {
    const first = await headerforge(['generate', '--root', vite.dir], withKey);
    expect(first.code).toBe(0);
    // Nano Banana on the Image API (the default `auto` endpoint for it): $0.039 an image.
    expect(first.stdout).toMatch(/generated posts\/(deep-sea|hello-world)\.md · \$0\.04/);
    expect(first.stdout).toMatch(
      /generated\s+cached\s+from another build\s+failed\s+placeholder\s+cost\s+time\n[- ]+\n2\s+0\s+0\s+0\s+0\s+\$0\.08/,
    );
    expect(first.stdout + first.stderr).not.toContain(KEY);
    expect(fake.generations()).toHaveLength(2);

    fake.reset();
    const second = await headerforge(['generate', '--json', '--root', vite.dir], withKey);
    expect(second.code).toBe(0);
    const json = JSON.parse(second.stdout);
    expect(json.summary).toMatchObject({ generated: 0, cached: 2, failed: 0 });
    expect(JSON.stringify(json)).not.toContain(KEY);
    expect(fake.requests).toHaveLength(0);

    const status = JSON.parse((await headerforge(['status', '--json', '--root', vite.dir])).stdout);
    expect(status.posts.every((post: { status: string }) => post.status === 'cached')).toBe(true);
    expect(status.costUsd).toBeGreaterThan(0);
  });

  it('status trusts what the last build recorded only while the files are unchanged', async () => {
    const site = await copyFixture('vite-blog');
    try {
      expect((await headerforge(['generate', '--root', site.dir], withKey)).code).toBe(0);
      const status = async () =>
        JSON.parse((await headerforge(['status', '--json', '--root', site.dir])).stdout)
          .posts as Array<{ file: string; status: string; key: string }>;
      const before = await status();
      expect(before.map((p) => `${p.file} ${p.status}`)).toEqual([
        'posts/deep-sea.md cached',
        'posts/hello-world.md cached',
      ]);
      // A new prompt, and a cached image cut short: both seen, though the build recorded both.
      const post = join(site.dir, 'posts/hello-world.md');
      await writeFile(post, (await readFile(post, 'utf8')).replace('at dusk', 'at dawn'));
      const key = before[0]?.key ?? '';
      const shard = join(site.dir, '.headerforge', key.slice(0, 2));
      // Stored compactly (the default): the name's extension is the stored format's.
      const stored = (await readdir(shard)).find(
        (n) => n.startsWith(`${key}.`) && !n.endsWith('.json'),
      );
      const image = join(shard, stored ?? `${key}.png`);
      const bytes = await readFile(image);
      await writeFile(image, bytes.subarray(0, bytes.byteLength - 1));
      expect((await status()).map((p) => `${p.file} ${p.status}`)).toEqual([
        'posts/deep-sea.md corrupt',
        'posts/hello-world.md missing',
      ]);
    } finally {
      await site.remove();
    }
  });

  it('generate on a terminal draws a live progress bar; in CI or a pipe it prints plain lines', async () => {
    const site = await copyFixture('vite-blog');
    try {
      // `script` runs the command on a pseudo-terminal, so stdout is a TTY.
      const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} generate --root ${JSON.stringify(site.dir)}`;
      const { OPENROUTER_API_KEY: _key, CI: _ci, NODE_ENV: _env, ...inherited } = process.env;
      const tty = await new Promise<string>((resolve) =>
        execFile(
          'script',
          ['-qefc', command, '/dev/null'],
          { env: { ...inherited, OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL } },
          (_error, stdout) => resolve(stdout),
        ),
      );
      // The bar is redrawn in place: carriage return, then "erase line" (ESC [2K).
      const shown = tty.replaceAll('\u001b', '<ESC>');
      expect(shown).toMatch(/\r<ESC>\[2K\[█{12}░{12}\] headers 1\/2/);
      expect(shown).toMatch(/\r<ESC>\[2K\[█{24}\] headers 2\/2 · 0 cached · \$0\.0\d+/);
      expect(tty).toMatch(/generated\s+cached/);
      const plain = await headerforge(['generate', '--root', site.dir], { ...withKey, CI: 'true' });
      expect(plain.stdout).not.toContain('\u001b');
      expect(plain.stdout).toContain('2 headers in 3 content files');
    } finally {
      await site.remove();
    }
  });

  it('generate --only limits the run to matching posts; --reroll records a new seed and pays for that post alone', async () => {
    const site = await copyFixture('vite-blog');
    try {
      fake.reset();
      const only = await headerforge(
        ['generate', '--only', 'posts/deep-*', '--root', site.dir],
        withKey,
      );
      expect(only.code).toBe(0);
      expect(fake.generations()).toHaveLength(1);
      expect((await headerforge(['generate', '--root', site.dir], withKey)).code).toBe(0);
      expect(fake.generations()).toHaveLength(2);

      fake.reset();
      const post = join(site.dir, 'posts/hello-world.md');
      const reroll = await headerforge(
        ['generate', '--reroll', 'posts/hello-world.md', '--root', site.dir],
        withKey,
      );
      expect(reroll.code).toBe(0);
      expect(reroll.stdout).toContain(
        'posts/hello-world.md: seed is now 1 (recorded in its frontmatter)',
      );
      expect(await readFile(post, 'utf8')).toBe(
        '---\ntitle: Hello, world\nheader:\n  prompt: "A lighthouse at dusk, watercolour"\n  seed: 1\n---\n\nThe first post.\n',
      );
      expect(fake.generations()).toHaveLength(1);
      expect((fake.generations()[0]?.body as { seed?: number } | undefined)?.seed).toBe(1);

      await headerforge(
        ['generate', '--reroll', './posts/hello-world.md', '--root', site.dir],
        withKey,
      );
      expect(await readFile(post, 'utf8')).toContain('  seed: 2\n');
      expect(
        await headerforge(['generate', '--reroll', 'posts/nope.md', '--root', site.dir], withKey),
      ).toMatchObject({
        code: 2,
        stderr: expect.stringContaining(
          '--reroll posts/nope.md: no post with a header at that path',
        ),
      });
    } finally {
      await site.remove();
    }
  });

  it('prune lists and removes only the entries no post uses; --dry-run deletes nothing', async () => {
    const post = join(vite.dir, 'posts/hello-world.md');
    await writeFile(
      post,
      (await readFile(post, 'utf8')).replace(
        'A lighthouse at dusk, watercolour',
        'A lighthouse at noon',
      ),
    );
    const files = async () =>
      (await readdir(join(vite.dir, '.headerforge'), { recursive: true }))
        .filter((f) => /[0-9a-f]{64}\./.test(f))
        .sort();
    const before = await files();
    expect(before).toHaveLength(4);

    const dry = await headerforge(['prune', '--dry-run', '--root', vite.dir]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /[0-9a-f]{12}\s+\d+\.\d\d MB\s+Editorial illustration, soft light\. A lighthouse at dusk/,
    );
    expect(dry.stdout).toMatch(
      /Would remove 1 unused entry, \d+\.\d\d MB \(dry run: nothing was deleted\)/,
    );
    expect(await files()).toEqual(before);

    const real = JSON.parse((await headerforge(['prune', '--json', '--root', vite.dir])).stdout);
    expect(real.removed).toHaveLength(1);
    expect(real.bytes).toBeGreaterThan(0);
    expect(await files()).toHaveLength(2);
    const status = JSON.parse((await headerforge(['status', '--json', '--root', vite.dir])).stdout);
    expect(
      status.posts.map((p: { file: string; status: string }) => `${p.file} ${p.status}`),
    ).toEqual(['posts/deep-sea.md cached', 'posts/hello-world.md missing']);
    expect((await headerforge(['prune', '--root', vite.dir])).stdout).toContain('nothing to prune');
  });

  it('generate exits 1 and names the post when an image fails; it reads an Astro config too', async () => {
    fake.inject(
      { kind: 'status', status: 400, message: 'Refused prompt' },
      { always: true, match: { prompt: 'jellyfish' } },
    );
    try {
      const run = await headerforge(['generate', '--root', astro.dir], withKey);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /src\/content\/blog\/deep-sea\.mdx(:\d+)?: OpenRouter answered 400 .*Refused prompt/,
      );
      expect(fake.generations().length).toBeGreaterThanOrEqual(4);
    } finally {
      fake.reset();
    }
  });

  it('models lists image models with modalities, ratios, sizes and prices', async () => {
    const run = await headerforge(['models']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /google\/gemini-2\.5-flash-image\s+image\+text\s+10\s+1K 2K 4K\s+\$0\.30\s+\$2\.50/,
    );
    expect(run.stdout).toMatch(/google\/gemini-3\.1-flash-image-preview\s+image\+text\s+14 \(incl/);
    expect(run.stdout).toMatch(/black-forest-labs\/flux\.2-pro\s+image\s/);
    const json = JSON.parse((await headerforge(['models', '--json'])).stdout);
    expect(
      json.find((model: { id: string }) => model.id === 'black-forest-labs/flux.2-pro')
        .outputModalities,
    ).toEqual(['image']);
  });

  it("models shows each model's endpoints and what it accepts there: n, references, seed", async () => {
    const run = await headerforge(['models']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /google\/gemini-2\.5-flash-image\s.*\$0\.039\s+images\+chat\s+1–4\s+0–3\s+yes\n/,
    );
    expect(run.stdout).toMatch(/black-forest-labs\/flux\.2-pro\s.*images\+chat\s+1\s+0–8\s+yes\n/);
    expect(run.stdout).toMatch(/sourceful\/riverflow-v2-fast\s.*\s+chat\s+1\s+0\+\s+yes\n/);
    expect(run.stdout).toMatch(
      /openai\/gpt-image-1\s+image\s+3\s+1K\s.*\s+images\s+1–10\s+0–16\s+no\n/,
    );
    const json = JSON.parse((await headerforge(['models', '--json'])).stdout);
    expect(json.find((model: { id: string }) => model.id === 'openai/gpt-image-1')).toMatchObject({
      endpoints: ['images'],
      chat: false,
      pricePerImageUsd: 0.042,
      accepts: { transport: 'images', n: { min: 1, max: 10 }, seed: false },
    });
  });

  it('an unreachable server is one line and a hint, exit 1', async () => {
    const run = await headerforge(['models'], { OPENROUTER_BASE_URL: 'http://127.0.0.1:9/api/v1' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^headerforge: Could not list image models from http:\/\/127\.0\.0\.1:9\/api\/v1: .*\n {2}hint: Check the network/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
