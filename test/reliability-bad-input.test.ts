import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BuildHeadersResult,
  buildHeaders,
  failuresError,
  type HeaderforgeOptions,
  type HeadersEvent,
} from '@headerforge/core';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import sharp from 'sharp';
import { build as viteBuild } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doctorCacheCheck } from './support/cache-audit.js';
import { runHeaderforge } from './support/cli.js';
import { SMALL_SITE } from './support/faults.js';
import { copyFixture, exists, makeSite } from './support/fixtures.js';

// Everything a user (or a contributor's commit) can get wrong or make unusual, through a
// real build: each is a clear error naming the file, field or option, or is handled safely.
const KEY = 'sk-or-v1-test-sentinel-bad-input';
const NANO = 'google/gemini-2.5-flash-image';
const OPTIONS: HeaderforgeOptions = {
  ...SMALL_SITE,
};

let fake: FakeOpenRouter;
const cleanup: Array<() => Promise<void>> = [];
beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: KEY });
});
afterAll(async () => {
  await fake.close();
  for (const remove of cleanup) await remove();
});

const env = () => ({ OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL });
const post = (header: string, title = 'A post') => `---\ntitle: ${title}\n${header}\n---\nBody.\n`;
const requestedPrompts = () => fake.generations().map((r) => r.prompt);

async function site(name: string, files: Record<string, string>, options = OPTIONS) {
  const made = await makeSite(name, files, options);
  cleanup.push(made.remove);
  return made.dir;
}

async function build(root: string, options = OPTIONS, events: HeadersEvent[] = []) {
  return buildHeaders({ root, options, env: env(), onEvent: (event) => events.push(event) });
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the build to fail');
    },
    (error: unknown) => error as Error & { code: string; hint?: string },
  );

describe('frontmatter mistakes', () => {
  it('stop the build before any request, naming every bad post with file:line and the field', async () => {
    fake.reset();
    const dir = await site('bad-frontmatter', {
      'posts/good.md': post('header: "A fine lighthouse"'),
      'posts/malformed-yaml.md': post('tags: [a, b\nheader: "A fox"'),
      'posts/wrong-type.md': post('header: 42'),
      'posts/wrong-nested-type.md': post('header:\n  prompt: A fox\n  seed: two'),
      'posts/invalid-ratio.md': post('header:\n  prompt: A fox\n  aspectRatio: "1.91:1"'),
      'posts/invalid-size.md': post('header:\n  prompt: A fox\n  size: 3K'),
      'posts/empty-prompt.md': post('header: ""'),
      'posts/blank-prompt.md': post('header:\n  prompt: "   "'),
      'posts/unknown-key.md': post('header:\n  prompt: A fox\n  sise: 2K'),
    });
    const error = await rejection(build(dir));
    expect(error.code).toBe('invalid_frontmatter');
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('8 content files have invalid frontmatter:');
    expect(lines.slice(1)).toEqual([
      'posts/blank-prompt.md:4: "header.prompt" must be a non-empty string describing the image; got "   "',
      'posts/empty-prompt.md:3: "header" is an empty prompt; write what the image should show',
      'posts/invalid-ratio.md:5: "header.aspectRatio" must be one of 1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9, 1:4, 4:1, 1:8, 8:1; got "1.91:1"',
      'posts/invalid-size.md:5: "header.size" must be one of 0.5K, 1K, 2K, 4K; got "3K"',
      expect.stringMatching(/^posts\/malformed-yaml\.md:4: invalid YAML in the frontmatter: /),
      'posts/unknown-key.md:5: "header.sise" is not a header key; expected one of prompt, alt, model, size, aspectRatio, seed, focus, references, candidates, pick, og (did you mean "size"?)',
      'posts/wrong-nested-type.md:5: "header.seed" must be an integer ≥ 0; got "two"',
      'posts/wrong-type.md:3: "header" must be a prompt string or an object with a "prompt"; got 42',
    ]);
    expect(error.hint).toBeTruthy();

    // The command says the same in a few lines, without a stack trace, and exits 1.
    const run = await runHeaderforge(['generate', '--root', dir], env());
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('posts/wrong-type.md:3: "header" must be a prompt string');
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(fake.generations()).toHaveLength(0);
    expect(await exists(join(dir, '.headerforge'))).toBe(false);
  });
});

describe('site option mistakes', () => {
  it('are refused by name with what was expected, exit 2, no stack trace', async () => {
    const dir = await site('bad-options', { 'posts/good.md': post('header: "A lighthouse"') }, {
      ...OPTIONS,
      aspectRatio: '1200x630',
      imageSize: '8K',
      model: '',
      concurrecy: 4,
    } as unknown as HeaderforgeOptions);
    const run = await runHeaderforge(['generate', '--root', dir], env());
    expect(run.code).toBe(2);
    for (const expected of [
      /Invalid headerforge option "aspectRatio": expected one of 1:1, .*, got "1200x630"/,
      /Invalid headerforge option "imageSize": expected one of 0\.5K, 1K, 2K, 4K, got "8K"/,
      /Invalid headerforge option "model": expected an OpenRouter model id .*, got ""/,
      /Unknown headerforge option "concurrecy" \(did you mean "concurrency"\?\)/,
    ]) {
      expect(run.stderr).toMatch(expected);
    }
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('what the model cannot do', () => {
  it('fails only that post, naming it, the model and the valid values, before paying', async () => {
    fake.reset();
    const dir = await site('bad-model', {
      'posts/good.md': post('header: "A lighthouse in fog"'),
      'posts/unknown-model.md': post('header:\n  prompt: A fox\n  model: acme/not-a-model'),
      'posts/ratio-not-for-model.md': post(
        `header:\n  prompt: A tall fox\n  model: ${NANO}\n  aspectRatio: "4:1"`,
      ),
      'posts/size-not-for-model.md': post(
        `header:\n  prompt: A small fox\n  model: ${NANO}\n  size: 0.5K`,
      ),
    });
    const result = await build(dir);
    expect(result.headers.map((header) => header.job.file)).toEqual(['posts/good.md']);
    expect(result.failures).toEqual([
      expect.objectContaining({
        file: 'posts/ratio-not-for-model.md',
        code: 'invalid_request',
        message: expect.stringMatching(
          /aspectRatio "4:1" is not accepted by google\/gemini-2\.5-flash-image; valid: 1:1, /,
        ),
      }),
      expect.objectContaining({
        file: 'posts/size-not-for-model.md',
        code: 'invalid_request',
        message: expect.stringMatching(
          /imageSize "0\.5K" is not accepted by google\/gemini-2\.5-flash-image; valid: 1K, 2K, 4K/,
        ),
      }),
      expect.objectContaining({
        file: 'posts/unknown-model.md',
        code: 'not_found',
        message: expect.stringContaining(
          'Model "acme/not-a-model" is not an image model on OpenRouter',
        ),
        hint: expect.stringContaining('headerforge models'),
      }),
    ]);
    expect(failuresError(result)?.message).toContain(
      'posts/unknown-model.md:3: Model "acme/not-a-model"',
    );
    expect(requestedPrompts()).toEqual(['A lighthouse in fog']);
  });
});

describe('unusual prompts and post paths', () => {
  const prompts = {
    'posts/long.md':
      `A very detailed harbour scene. ${'Boats, gulls, ropes and nets in the morning light. '.repeat(200)}`.trim(),
    'posts/unicode.md': 'Café crème on a zinc bar – Straße bei Nacht, 東京の夜景, Ωμέγα',
    'posts/rtl.md': 'منارة عند الغسق، ألوان مائية — מגדלור בשקיעה',
    'posts/emoji.md': '🦊 in ❄️ snow under a 🌕, family 👨‍👩‍👧 watching, flag 🏳️‍🌈',
    'posts/decomposed.md': 'Cafe\u0301 on the corner, re\u0301sume\u0301 in hand',
    'posts/markup.md': 'A sign that reads "><script>alert(1)</script> & <b>bold</b>',
    'posts/with space.md': 'A lighthouse, for a post whose name has a space',
    'posts/café ☕ 東京.md': 'A coffee cup, for a post whose name is unicode',
    'posts/a..b.md': 'A staircase, for a post whose name has two dots',
  };
  let dir: string;
  let result: BuildHeadersResult;
  let options: HeaderforgeOptions;
  let sharedPost: string;

  beforeAll(async () => {
    const files = Object.fromEntries(
      Object.entries(prompts).map(([file, prompt]) => [
        file,
        post(`header: ${JSON.stringify(prompt)}`),
      ]),
    );
    dir = await site('unusual', files);
    // A post outside the site root, reached through "..": a sibling folder of the site.
    const outside = `${dir}-outside`;
    await mkdir(outside);
    cleanup.push(() => rm(outside, { recursive: true, force: true }));
    await writeFile(join(outside, 'shared.md'), post('header: "A shared post outside the root"'));
    sharedPost = `../${outside.split('/').at(-1)}/shared.md`;
    options = { ...OPTIONS, include: ['posts/*.md', sharedPost] };
    fake.reset();
    result = await build(dir, options);
  });

  it('are built, each prompt sent and recorded exactly as written', async () => {
    expect(result.failures).toEqual([]);
    const files = result.headers.map((header) => header.job.file);
    expect(files).toEqual(expect.arrayContaining([...Object.keys(prompts), sharedPost]));
    expect(files).toHaveLength(Object.keys(prompts).length + 1);
    expect(requestedPrompts().sort()).toEqual(result.headers.map((h) => h.job.prompt).sort());
    for (const header of result.headers) {
      const sidecar = JSON.parse(
        await readFile(header.original.file.replace(/\.\w+$/, '.json'), 'utf8'),
      );
      expect(sidecar.prompt).toBe(header.job.prompt);
      expect(sidecar.sources).toEqual([header.job.file]);
    }
    // As written, but composed (NFC): "é" as one code point or as e and an accent is one
    // prompt and one key (issue 19). Only the decomposed post's prompt changes by it.
    for (const [file, prompt] of Object.entries(prompts)) {
      expect(result.headers.find((header) => header.job.file === file)?.job.prompt).toBe(
        prompt.normalize('NFC'),
      );
    }
    expect(prompts['posts/decomposed.md']).not.toBe(
      prompts['posts/decomposed.md'].normalize('NFC'),
    );
  });

  it('get short alt text from a 10 KB prompt, cut on a grapheme, never inside an emoji', () => {
    const alt = (file: string) =>
      result.headers.find((header) => header.job.file === file)?.job.alt ?? '';
    expect(prompts['posts/long.md'].length).toBeGreaterThan(10_000);
    expect(alt('posts/long.md')).toBe('A very detailed harbour scene');
    expect(alt('posts/emoji.md').length).toBeLessThanOrEqual(125);
    expect(
      [...new Intl.Segmenter().segment(alt('posts/emoji.md'))].map((s) => s.segment),
    ).toContain('👨‍👩‍👧');
  });

  it('are found again by the next build, which pays for nothing', async () => {
    fake.reset();
    const again = await build(dir, options);
    expect(again.failures).toEqual([]);
    expect(again.summary.cached).toBe(again.summary.unique);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('a tampered cache', () => {
  const prompts = [
    'A red kite over hills',
    'A blue kite over the sea',
    'A green kite in rain',
    'A kite on a beach',
  ];
  let dir: string;
  /** The committed image of each prompt, from the first build. */
  const images = new Map<string, string>();
  const sidecarOf = (prompt: string) => (images.get(prompt) as string).replace(/\.\w+$/, '.json');

  beforeAll(async () => {
    const files = Object.fromEntries(
      prompts.map((prompt, i) => [`posts/kite-${i}.md`, post(`header: ${JSON.stringify(prompt)}`)]),
    );
    dir = await site('tampered', files);
    fake.reset();
    const first = await build(dir);
    expect(first.failures).toEqual([]);
    for (const header of first.headers) images.set(header.job.prompt, header.original.file);
  });

  it('sets aside a sidecar with a changed hash, one that claims another prompt, and one naming another image, then pays for those again', async () => {
    const [hashEdited, promptEdited, fileEdited] = prompts.slice(0, 3).map(sidecarOf);
    const edit = async (file: string, change: (sidecar: Record<string, unknown>) => void) => {
      const sidecar = JSON.parse(await readFile(file, 'utf8'));
      change(sidecar);
      await writeFile(file, JSON.stringify(sidecar));
    };
    await edit(hashEdited as string, (s) => {
      s.sha256 = createHash('sha256').update('something else').digest('hex');
    });
    await edit(promptEdited as string, (s) => {
      s.prompt = 'A kite on a beach';
    });
    // Another image, under a name of its own shard, with that image's own hash and size.
    const stranger = `${(fileEdited as string).split('/').at(-1)?.slice(0, 2)}${'e'.repeat(62)}.png`;
    const strangerBytes = await sharp({
      create: { width: 8, height: 8, channels: 3, background: '#000' },
    })
      .png()
      .toBuffer();
    await writeFile(join(fileEdited as string, '..', stranger), strangerBytes);
    await edit(fileEdited as string, (s) => {
      s.file = stranger;
      s.sha256 = createHash('sha256').update(strangerBytes).digest('hex');
      s.bytes = strangerBytes.length;
    });

    fake.reset();
    const events: HeadersEvent[] = [];
    const result = await build(dir, OPTIONS, events);
    expect(result.failures).toEqual([]);
    expect(result.summary).toMatchObject({ corrupt: 3, generated: 3, cached: 1 });
    const reasons = events.flatMap((event) => (event.type === 'corrupt' ? [event.reason] : []));
    expect(reasons).toHaveLength(3);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/describes a different prompt or model than its key/),
        expect.stringMatching(/does not match the hash in its sidecar/),
        expect.stringContaining(`names ${stranger}, not its own image`),
      ]),
    );
    expect(requestedPrompts().sort()).toEqual(prompts.slice(0, 3).sort());
    const served = result.headers.find((h) => h.job.prompt === prompts[2]);
    expect(served?.original.sha256).not.toBe(
      createHash('sha256').update(strangerBytes).digest('hex'),
    );
    expect(await readdir(join(dir, '.headerforge', '.quarantine'))).toHaveLength(3);
    // The planted image is no one's: doctor points at it, and it is deleted by hand.
    const strangerPath = join(fileEdited as string, '..', stranger);
    expect(await doctorCacheCheck(dir, env())).toEqual({
      status: 'warn',
      message: `${prompts.length} cached images verified (every byte hashed); 1 image without a sidecar: ${strangerPath.slice(dir.length + 1)}`,
    });
    await rm(strangerPath);
  });

  it('never follows a symlink planted in the cache to a file or folder outside the project', async () => {
    const outside = `${dir}-planted`;
    await mkdir(outside);
    cleanup.push(() => rm(outside, { recursive: true, force: true }));
    const secretImage = await sharp({
      create: { width: 16, height: 9, channels: 3, background: '#f00' },
    })
      .png()
      .toBuffer();
    await writeFile(join(outside, 'secret.png'), secretImage);
    const image = images.get(prompts[0] as string) as string;
    const sidecar = sidecarOf(prompts[1] as string);
    await writeFile(join(outside, 'sidecar.json'), await readFile(sidecar));
    await rm(image);
    await symlink(join(outside, 'secret.png'), image);
    await rm(sidecar);
    await symlink(join(outside, 'sidecar.json'), sidecar);
    const cache = join(dir, '.headerforge');
    const untouched = async () => {
      expect((await readdir(outside)).sort()).toEqual(['secret.png', 'sidecar.json']);
      expect(await readFile(join(outside, 'secret.png'))).toEqual(secretImage);
    };

    // A linked .quarantine stops the build, by name, before anything is moved through it.
    await rename(join(cache, '.quarantine'), join(cache, '.quarantine-earlier'));
    await symlink(outside, join(cache, '.quarantine'));
    const stopped = await rejection(build(dir));
    expect(stopped).toMatchObject({
      code: 'cache_corrupt',
      message:
        '.headerforge/.quarantine is a symlink: headerforge never writes through links or over files',
    });
    await untouched();

    // A linked .locks fails the posts that need a lock, by name; nothing is paid for.
    await rm(join(cache, '.quarantine'));
    await rm(join(cache, '.locks'), { recursive: true, force: true });
    await symlink(outside, join(cache, '.locks'));
    fake.reset();
    const locked = await build(dir);
    expect(locked.failures.map((failure) => [failure.file, failure.code, failure.message])).toEqual(
      [
        [
          'posts/kite-0.md',
          'cache_corrupt',
          '.headerforge/.locks is a symlink: headerforge never writes through links or over files',
        ],
        [
          'posts/kite-1.md',
          'cache_corrupt',
          '.headerforge/.locks is a symlink: headerforge never writes through links or over files',
        ],
      ],
    );
    expect(fake.generations()).toHaveLength(0);
    await untouched();

    // Without them, the images are made again; the links were set aside, their targets untouched.
    await rm(join(cache, '.locks'));
    const result = await build(dir);
    expect(result.failures).toEqual([]);
    expect(result.summary).toMatchObject({ generated: 2, cached: 2 });
    expect(requestedPrompts().sort()).toEqual(prompts.slice(0, 2).sort());
    await untouched();
    const secretSha = createHash('sha256').update(secretImage).digest('hex');
    expect(result.headers.map((h) => h.original.sha256)).not.toContain(secretSha);
    expect(await doctorCacheCheck(dir, env())).toEqual({
      status: 'ok',
      message: `${prompts.length} cached images verified (every byte hashed)`,
    });
  });
});

describe('markup in a prompt or alt text', () => {
  it('reaches the built HTML escaped, never as markup', { timeout: 60_000 }, async () => {
    const copy = await copyFixture('vite-blog', { env: env() });
    cleanup.push(copy.remove);
    const hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)> & friends';
    const file = join(copy.dir, 'posts', 'hello-world.md');
    await writeFile(
      file,
      post(
        `header:\n  prompt: ${JSON.stringify(`A lighthouse. ${hostile}`)}\n  alt: ${JSON.stringify(hostile)}`,
        'Hello',
      ),
    );
    await viteBuild({
      root: copy.dir,
      configFile: join(copy.dir, 'vite.config.js'),
      logLevel: 'silent',
    });
    const html = await readFile(join(copy.dir, 'dist', 'index.html'), 'utf8');
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).not.toContain('onerror=alert(2)>');
    expect(html).toContain('alt="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
