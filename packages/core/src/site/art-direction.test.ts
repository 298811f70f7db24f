import { mkdtemp, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../cache/keys.js';
import { fakeSiteForEachTest, writeSiteFiles } from '../testing/fake-site.test-support.js';
import type { FakeOpenRouter } from '../testing/index.js';
import { type BuildHeadersInput, buildHeaders } from './build-headers.js';

const KEY = 'sk-or-v1-test-sentinel-art-direction';
const FLUX = 'black-forest-labs/flux.2-pro';
let fake: FakeOpenRouter;
let root: string;

fakeSiteForEachTest(KEY, 'hf-art-', (made) => {
  ({ fake, root } = made);
});

const write = (files: Record<string, string | Uint8Array>) => writeSiteFiles(root, files);

const post = (header: string) => `---\ntitle: A post\nheader:\n${header}\n---\nBody.\n`;
const swatch = (colour: string) =>
  sharp({ create: { width: 32, height: 18, channels: 3, background: colour } })
    .png()
    .toBuffer();

function build(options: Record<string, unknown> = {}, input: Partial<BuildHeadersInput> = {}) {
  return buildHeaders({
    root,
    options: { widths: [320], formats: ['webp'], og: false, ...options } as never,
    env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL },
    ...input,
  });
}

type Body = { input_references?: Array<{ image_url: { url: string } }>; seed?: number };
const bodies = () => fake.generations().map((request) => request.body as Body);

async function sidecarOf(key: string) {
  return JSON.parse(
    await readFile(join(root, '.headerforge', key.slice(0, 2), `${key}.json`), 'utf8'),
  );
}

describe('references', () => {
  it('are sent with the prompt and key the image by their bytes and order, not their paths', async () => {
    const a = await swatch('#224466');
    await write({ 'brand/a.png': a, 'src/content/p.md': post('  prompt: A harbour') });
    const first = await build({ references: ['brand/a.png'] });
    expect(first.failures).toEqual([]);
    expect(bodies()[0]?.input_references).toEqual([
      { type: 'image_url', image_url: { url: `data:image/png;base64,${a.toString('base64')}` } },
    ]);
    const key = first.headers[0]?.key as string;
    expect((await sidecarOf(key)).references).toEqual([sha256Hex(a)]);

    // Renamed: the same bytes, so the same key, and nothing to pay for.
    fake.reset();
    await rename(join(root, 'brand/a.png'), join(root, 'brand/renamed.png'));
    const renamed = await build({ references: ['brand/renamed.png'] });
    expect(renamed.headers[0]?.key).toBe(key);
    expect(fake.generations()).toHaveLength(0);

    // Replaced: new bytes, a new image.
    await write({ 'brand/renamed.png': await swatch('#aa3311') });
    const replaced = await build({ references: ['brand/renamed.png'] });
    expect(replaced.headers[0]?.key).not.toBe(key);
    expect(fake.generations()).toHaveLength(1);
  });

  it("add the post's own to the site's, or none with references: false", async () => {
    await write({
      'brand/a.png': await swatch('#111111'),
      'brand/b.png': await swatch('#eeeeee'),
      'src/content/both.md': post('  prompt: Both\n  references: [brand/b.png]'),
      'src/content/none.md': post('  prompt: None\n  references: false'),
    });
    const result = await build({ references: ['brand/a.png'] });
    expect(result.failures).toEqual([]);
    const byPrompt = new Map(
      fake
        .generations()
        .map((request) => [request.prompt, (request.body as Body).input_references?.length ?? 0]),
    );
    expect(byPrompt).toEqual(
      new Map([
        ['Both', 2],
        ['None', 0],
      ]),
    );
  });

  it('that cannot be used fail before any request, naming the file and the option or line', async () => {
    await write({
      'brand/notes.png': 'not an image at all',
      'src/content/p.md': post('  prompt: P\n  references: [brand/missing.webp]'),
    });
    await expect(build({ references: ['brand/notes.png'] })).rejects.toThrow(
      /site option "references"\[0\]: reference image "brand\/notes\.png" is not a PNG, JPEG, WebP, GIF or AVIF image/,
    );
    // A real PNG, padded past the 10 MiB a reference may be: every request would carry it.
    await write({
      'brand/huge.png': Buffer.concat([await swatch('#000000'), Buffer.alloc(11 * 2 ** 20)]),
    });
    await expect(build({ references: ['brand/huge.png'] })).rejects.toThrow(
      /site option "references"\[0\]: reference image "brand\/huge\.png" is 11\.0 MiB, more than the 10 MiB a reference may be/,
    );
    await expect(build({ references: [] })).rejects.toThrow(
      /src\/content\/p\.md:3: header\.references\[0\]: reference image "brand\/missing\.webp" does not exist/,
    );
    expect(fake.generations()).toHaveLength(0);
  });

  it('whose header reads but whose pixels do not fail before they are paid for, naming the line', async () => {
    // A real PNG's header (its size reads), then its compressed data overwritten.
    const good = await swatch('#336699');
    const broken = Buffer.from(good);
    const data = broken.indexOf('IDAT') + 4;
    broken.fill(0x5a, data, broken.length - 12);
    expect(await sharp(broken).metadata()).toMatchObject({ width: 32, height: 18 });
    await write({
      'brand/broken.png': broken,
      'src/content/p.md': post('  prompt: Broken\n  references: [brand/broken.png]'),
      'src/content/q.md': post('  prompt: Fine'),
      'src/content/r.md': post(
        '  prompt: Broken too\n  references: [brand/broken.png]\n  candidates: 2',
      ),
    });
    const result = await build();
    expect(result.failures.map((failure) => [failure.file, failure.code])).toEqual([
      ['src/content/p.md', 'invalid_frontmatter'],
      ['src/content/r.md', 'invalid_frontmatter'],
    ]);
    expect(result.failures[0]?.message).toMatch(
      /src\/content\/p\.md:3: header\.references\[0\]: reference image "brand\/broken\.png" cannot be decoded as image\/png: /,
    );
    // Only the post without it was asked for.
    expect(fake.generations()).toHaveLength(1);

    // Mended: the posts are made, the other one not again.
    fake.reset();
    await write({ 'brand/broken.png': good });
    const mended = await build();
    expect(mended.failures).toEqual([]);
    expect(fake.generations()).toHaveLength(2);
  });

  it('outside the project root, through .. or a symlink, are refused unless outsideRoot allows them', async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'hf-art-elsewhere-'));
    try {
      await writeFile(join(elsewhere, 'brand.png'), await swatch('#123456'));
      await symlink(join(elsewhere, 'brand.png'), join(root, 'linked.png'));
      const outside = relative(root, join(elsewhere, 'brand.png'));
      await write({ 'src/content/p.md': post('  prompt: P\n  references: [linked.png]') });
      await expect(build({ references: [outside] })).rejects.toThrow(
        /site option "references"\[0\]: reference image ".*brand\.png" is outside the project root \(.*\); list its folder in the `outsideRoot` option/,
      );
      await expect(build({ references: [] })).rejects.toThrow(
        /src\/content\/p\.md:3: header\.references\[0\]: reference image "linked\.png" is outside the project root, through a symlink to .*brand\.png/,
      );
      expect(fake.generations()).toHaveLength(0);
      // Allowed: both are read, and sent.
      const allowed = await build({ references: [outside], outsideRoot: [elsewhere] });
      expect(allowed.failures).toEqual([]);
      expect((fake.generations()[0]?.body as Body | undefined)?.input_references).toHaveLength(2);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('beyond what the model accepts fail before any request', async () => {
    const refs: Record<string, Buffer> = {};
    for (const name of ['a', 'b', 'c', 'd'])
      refs[`brand/${name}.png`] = await swatch(`#${name.repeat(6)}`);
    await write({
      ...refs,
      'src/content/p.md': post('  prompt: P\n  references: [brand/c.png, brand/d.png]'),
    });
    // Nano Banana on the Image API takes at most 3.
    const result = await build({ references: ['brand/a.png', 'brand/b.png'] });
    expect(result.failures).toEqual([
      expect.objectContaining({
        file: 'src/content/p.md',
        message: expect.stringMatching(
          /inputReferences 4 is not accepted by google\/gemini-2\.5-flash-image; valid: 0 to 3 references/,
        ),
      }),
    ]);
    expect(fake.generations()).toHaveLength(0);
  });
});

describe('candidates and pick', () => {
  it('pays for every candidate once, shows the pick, and a new pick costs nothing', async () => {
    await write({
      'src/content/p.md': post(`  prompt: Three tries\n  model: ${FLUX}\n  candidates: 3`),
      'src/content/q.md': post('  prompt: Another post'),
    });
    const first = await build();
    expect(first.failures).toEqual([]);
    // Flux makes one image per request: three requests, each with a seed of its own.
    const seeds = bodies()
      .filter((_, index) => fake.generations()[index]?.prompt === 'Three tries')
      .map((body) => body.seed);
    expect(seeds).toHaveLength(3);
    expect(new Set(seeds).size).toBe(3);
    const shown = first.headers.find((header) => header.job.file === 'src/content/p.md');
    const other = first.headers.find((header) => header.job.file === 'src/content/q.md');

    fake.reset();
    await write({
      'src/content/p.md': post(
        `  prompt: Three tries\n  model: ${FLUX}\n  candidates: 3\n  pick: 2`,
      ),
    });
    const otherFiles = other
      ? [other.derived.master, ...other.derived.variants].map((file) => file.file)
      : [];
    expect(otherFiles.length).toBeGreaterThan(0);
    const before = await Promise.all(
      otherFiles.map((file) => stat(file).then((info) => info.mtimeMs)),
    );
    const picked = await build();
    expect(fake.generations()).toHaveLength(0);
    const now = picked.headers.find((header) => header.job.file === 'src/content/p.md');
    expect(now?.key).not.toBe(shown?.key);
    expect(now?.original.sha256).not.toBe(shown?.original.sha256);
    // One entry holds the three: the first image's sidecar lists the others, each its own file and hash.
    const entry = await sidecarOf(shown?.key as string);
    expect(entry.candidates.map((c: { candidate: number }) => c.candidate)).toEqual([2, 3]);
    // Stored compactly (the default): the fake sends PNGs.
    expect(entry.candidates[0].file).toBe(`${shown?.key}-2.avif`);
    expect(entry.candidates[0].sha256).toBe(now?.original.sha256);
    expect(
      new Set([entry.sha256, ...entry.candidates.map((c: { sha256: string }) => c.sha256)]).size,
    ).toBe(3);
    // The other post's files were not made again.
    const after = await Promise.all(
      otherFiles.map((file) => stat(file).then((info) => info.mtimeMs)),
    );
    expect(after).toEqual(before);
  });

  it("asks for all of a new post's candidates in one request with n, and makes up a shortfall one by one", async () => {
    await write({ 'src/content/p.md': post('  prompt: All at once\n  candidates: 3') });
    const result = await build();
    expect(result.failures).toEqual([]);
    expect(fake.generations().map((request) => (request.body as { n?: number }).n)).toEqual([3]);
    expect(result.summary).toMatchObject({ generated: 3 });

    fake.reset();
    fake.inject({ kind: 'fewer_images', count: 1 });
    await write({ 'src/content/q.md': post('  prompt: Short answer\n  candidates: 3') });
    const short = await build();
    expect(short.failures).toEqual([]);
    // One image came back for the three asked: it is kept, and the other two are made.
    expect(fake.generations().map((request) => (request.body as { n?: number }).n ?? 1)).toEqual([
      3, 1, 1,
    ]);
    expect(short.summary).toMatchObject({ generated: 3 });
  });

  it('counts each image of a batch against maxNewImages, so a batch never takes the run past it', async () => {
    await write({ 'src/content/p.md': post('  prompt: Over the cap\n  candidates: 3') });
    const events: Array<{ type: string; reason?: string }> = [];
    const capped = await build({ maxNewImages: 2 }, { onEvent: (event) => events.push(event) });
    // The two the cap allows, still in one request.
    expect(fake.generations().map((request) => (request.body as { n?: number }).n ?? 1)).toEqual([
      2,
    ]);
    expect(capped.summary).toMatchObject({ generated: 2, skipped: 1 });
    // The third is a candidate the page does not show: skipped with a warning, no failure.
    expect(capped.failures).toEqual([]);
    expect(events.filter((event) => event.type === 'skipped')).toEqual([
      expect.objectContaining({ reason: 'maxNewImages (2) reached' }),
    ]);

    // The next run pays for the one left, and only for it.
    fake.reset();
    const rest = await build({ maxNewImages: 2 });
    expect(rest.failures).toEqual([]);
    expect(fake.generations().map((request) => (request.body as { n?: number }).n ?? 1)).toEqual([
      1,
    ]);
  });

  it("asks for another post's image while a post's candidates are being made, not after", async () => {
    await write({
      'src/content/p.md': post('  prompt: Three to choose from\n  candidates: 3'),
      'src/content/q.md': post('  prompt: Just the one'),
    });
    // Both answers take 2 s: the second request has to go out while the first is unanswered.
    fake.inject({ kind: 'latency', ms: 2000 }, { times: 2 });
    const built = build();
    let answeredWhenBothOut: number | undefined;
    while (answeredWhenBothOut === undefined) {
      const requests = fake.generations();
      if (requests.length >= 2)
        answeredWhenBothOut = requests.filter((request) => request.answer?.delivered).length;
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const result = await built;
    expect(result.failures).toEqual([]);
    expect(answeredWhenBothOut).toBe(0);
    const sizes = fake.generations().map((request) => (request.body as { n?: number }).n ?? 1);
    expect(sizes.toSorted()).toEqual([1, 3]);
    expect(result.summary).toMatchObject({ generated: 4 });
  });

  it('keeps an unusable image of a batch in the quarantine, and makes up for it', async () => {
    fake.inject({ kind: 'not_an_image' });
    await write({ 'src/content/p.md': post('  prompt: One bad apple\n  candidates: 3') });
    const result = await build();
    expect(result.failures).toEqual([]);
    expect(fake.generations().map((request) => (request.body as { n?: number }).n ?? 1)).toEqual([
      3, 1,
    ]);
    const kept = await readdir(join(root, '.headerforge', '.quarantine'));
    expect(kept).toEqual([expect.stringMatching(/^[0-9a-f]{64}-\d+-[0-9a-f]{6}-rejected$/)]);
  });

  it('raising candidates pays only for the new ones; lowering keeps what was paid', async () => {
    await write({ 'src/content/p.md': post('  prompt: Grow') });
    await build();
    expect(fake.generations()).toHaveLength(1);
    fake.reset();
    await write({ 'src/content/p.md': post('  prompt: Grow\n  candidates: 3') });
    const raised = await build({ maxNewImages: 5 });
    // Nano Banana makes up to four per request on the Image API: the two new ones in one.
    expect(fake.generations()).toHaveLength(1);
    expect(fake.generations()[0]?.body).toMatchObject({ n: 2 });
    expect(raised.summary).toMatchObject({ generated: 2 });
    fake.reset();
    await write({ 'src/content/p.md': post('  prompt: Grow\n  candidates: 2\n  pick: 2') });
    const lowered = await build();
    expect(fake.generations()).toHaveLength(0);
    expect(lowered.failures).toEqual([]);
    const files = (await readdir(join(root, '.headerforge'), { recursive: true })).filter((file) =>
      /[0-9a-f]{64}(-\d)?\.(json|avif)$/.test(file),
    );
    // One entry: its sidecar, the first image and the two later candidates, all kept.
    expect(files.map((file) => file.replace(/^.*[0-9a-f]{64}/, 'K')).sort()).toEqual([
      'K-2.avif',
      'K-3.avif',
      'K.avif',
      'K.json',
    ]);
  });

  it('without a key, cache-only fails only for a missing pick, never for a candidate not shown', async () => {
    await write({ 'src/content/p.md': post('  prompt: Offline\n  candidates: 2') });
    await build();
    expect(fake.generations()).toHaveLength(1);
    fake.reset();
    await write({ 'src/content/p.md': post('  prompt: Offline\n  candidates: 4') });
    const ci = await build({}, { env: { OPENROUTER_BASE_URL: fake.baseURL, CI: 'true' } });
    expect(ci.failures).toEqual([]);
    await write({ 'src/content/p.md': post('  prompt: Offline\n  candidates: 4\n  pick: 3') });
    const missing = await build({}, { env: { OPENROUTER_BASE_URL: fake.baseURL, CI: 'true' } });
    expect(missing.failures).toEqual([
      expect.objectContaining({ code: 'cache_miss', file: 'src/content/p.md' }),
    ]);
    expect(fake.generations()).toHaveLength(0);
  });

  it('a pick beyond the candidates is refused, naming the line', async () => {
    await write({ 'src/content/p.md': post('  prompt: P\n  candidates: 2\n  pick: 3') });
    await expect(build()).rejects.toThrow(
      /src\/content\/p\.md:3: "header\.pick" is 3, but the post has 2 candidates/,
    );
  });
});
