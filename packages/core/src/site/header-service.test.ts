import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { holdBackgroundWork } from '../testing/index.js';
import { createHeaderService, type ServiceUpdate } from './header-service.js';
import type { HeaderforgeOptions } from './options.js';

// The dev path of the service (`deferWork`): what it serves before its background work,
// which the tests hold, and what it serves after.
let root: string;
let release: () => void = () => {};
const posts = ['a', 'b', 'c'];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'hf-service-'));
  for (const name of posts) {
    const file = join(root, 'src/content/blog', `${name}.md`);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `---\ntitle: ${name}\nheader: "Post ${name} at dusk"\n---\nBody.\n`);
  }
});
afterEach(async () => {
  release();
  await rm(root, { recursive: true, force: true });
});

function devService(options: HeaderforgeOptions = { widths: [320], formats: ['webp'], og: false }) {
  const updates: ServiceUpdate[] = [];
  const service = createHeaderService({
    root,
    options,
    env: { HEADERFORGE_MODE: 'placeholder' },
    deferWork: true,
    onUpdate: (update) => updates.push(update),
  });
  return { service, updates };
}

const sources = (service: ReturnType<typeof devService>['service']) =>
  [...service.headers().values()].map((header) => header.source);

describe('a header service that defers its work (a dev server)', () => {
  it('serves every uncached post pending at once, then its offline art, then recalls the art on the next start', async () => {
    release = holdBackgroundWork();
    const first = devService();
    const ready = await first.service.ready();
    expect(ready.deferred.map((job) => job.file)).toEqual(
      posts.map((name) => `src/content/blog/${name}.md`),
    );
    expect(sources(first.service)).toEqual(['pending', 'pending', 'pending']);
    const pending = [...first.service.headers().values()];
    // One shared stand-in of the header's ratio, a real image file.
    expect(new Set(pending.map((header) => header.derived.master.file)).size).toBe(1);
    const stand = pending[0]?.derived;
    const meta = await sharp(stand?.master.file).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([1344, 756, 'png']);
    expect(stand?.lqip).toMatch(/^data:image\/png;base64,/);
    expect(first.updates).toEqual([]);

    release();
    const landed = () =>
      first.updates.flatMap((update) => (update.type === 'headers-changed' ? update.files : []));
    await until(() => landed().length === posts.length);
    expect(landed().sort()).toEqual(posts.map((name) => `src/content/blog/${name}.md`));
    expect(first.updates.at(-1)).toMatchObject({ type: 'headers-changed', placeholder: true });
    expect(sources(first.service)).toEqual(['placeholder', 'placeholder', 'placeholder']);
    // Waits for the run to end, so that what it learnt is saved for the next start.
    await first.service.close();

    release = holdBackgroundWork();
    const second = devService();
    expect((await second.service.ready()).deferred).toEqual([]);
    expect(sources(second.service)).toEqual(['placeholder', 'placeholder', 'placeholder']);
    expect([...second.service.headers().values()].map((h) => h.derived.key)).toEqual(
      [...first.service.headers().values()].map((h) => h.derived.key),
    );
  });

  it("draws a post's offline art again when its title is edited, though its key is the same", async () => {
    const first = devService();
    await first.service.ready();
    await until(() => sources(first.service).every((source) => source === 'placeholder'));
    await first.service.close();
    const art = new Map(
      [...first.service.headers()].map(([file, header]) => [file, header.original.sha256]),
    );

    // The art shows the title: an edit lists the post to make, and the run draws it anew.
    await writeFile(
      join(root, 'src/content/blog/a.md'),
      '---\ntitle: A new title\nheader: "Post a at dusk"\n---\nBody.\n',
    );
    const second = devService();
    expect((await second.service.ready()).deferred.map((job) => job.file)).toEqual([
      'src/content/blog/a.md',
    ]);
    const drawn = () => second.service.headers().get('src/content/blog/a.md')?.original.sha256;
    await until(() => drawn() !== art.get('src/content/blog/a.md'));
    await second.service.close();
    for (const name of ['b', 'c']) {
      const file = `src/content/blog/${name}.md`;
      expect(second.service.headers().get(file)?.original.sha256, file).toBe(art.get(file));
    }

    // Drawn for the new title, the art is kept: the next start has nothing to make.
    const third = devService();
    expect((await third.service.ready()).deferred).toEqual([]);
    expect(third.service.headers().get('src/content/blog/a.md')?.original.sha256).toBe(drawn());
    await third.service.close();
  });

  it("recalls each post's title cards at start, and lists a post whose card is missing to make", async () => {
    // The default social card: the post's title over its header.
    const options = { widths: [320], formats: ['webp' as const] };
    const first = devService(options);
    await first.service.ready();
    await until(() => sources(first.service).every((source) => source === 'placeholder'));
    await first.service.close();
    const drawn = [...first.service.headers().values()].map((header) => header.cards);
    expect(drawn.every((cards) => cards?.length === 1)).toBe(true);

    // The next start recalls them, before its first run and in it: a page's first
    // request gets the og:image, with nothing to make.
    release = holdBackgroundWork();
    const second = devService(options);
    const early = await second.service.headersOf(['src/content/blog/a.md']);
    expect(early.get('src/content/blog/a.md')?.cards).toEqual(drawn[0]);
    expect((await second.service.ready()).deferred).toEqual([]);
    expect([...second.service.headers().values()].map((header) => header.cards)).toEqual(drawn);
    await second.service.close();
    release();

    // A title edited while the server was down: the header is shown as made, and the post
    // listed to make its new card (no request: the image's key does not cover the title).
    await writeFile(
      join(root, 'src/content/blog/b.md'),
      '---\ntitle: A new title\nheader: "Post b at dusk"\n---\nBody.\n',
    );
    release = holdBackgroundWork();
    const third = devService(options);
    const edited = (await third.service.headersOf(['src/content/blog/b.md'])).get(
      'src/content/blog/b.md',
    );
    expect(edited?.source).toBe('placeholder');
    expect(edited?.cards).toBeUndefined();
    expect((await third.service.ready()).deferred.map((job) => job.file)).toEqual([
      'src/content/blog/b.md',
    ]);
    release();
    const redrawn = () => third.service.headers().get('src/content/blog/b.md')?.cards?.[0]?.file;
    await until(() => redrawn() !== undefined);
    expect(redrawn()).not.toBe(drawn[1]?.[0]?.file);

    // The post asks for the plain crop (its image's key unchanged): an edit the server
    // follows, not one it takes for nothing to redo.
    await writeFile(
      join(root, 'src/content/blog/b.md'),
      '---\ntitle: A new title\nheader:\n  prompt: Post b at dusk\n  og: true\n---\nBody.\n',
    );
    await third.service.refresh();
    const crop = () => third.service.headers().get('src/content/blog/b.md');
    await until(() => crop()?.derived.og !== undefined);
    expect(crop()?.cards).toBeUndefined();
    await third.service.close();
  });

  it('does no background work once closed', async () => {
    release = holdBackgroundWork();
    const { service, updates } = devService();
    await service.ready();
    await service.close();
    release();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sources(service)).toEqual(['pending', 'pending', 'pending']);
    expect(updates).toEqual([]);
  });

  it('answers for the posts a page names before its first run, reading no other post', async () => {
    release = holdBackgroundWork();
    // A post the whole scan refuses: answering for a and b does not read it.
    const bad = join(root, 'src/content/blog/bad.md');
    await writeFile(bad, '---\nheader: { prompt: "" }\n---\n');
    const { service, updates } = devService();
    const early = await service.headersOf([
      'src/content/blog/a.md',
      './src/content/blog/b.md',
      'src/content/blog/missing.md',
      'README.md',
    ]);
    expect([...early.keys()]).toEqual(['src/content/blog/a.md', 'src/content/blog/b.md']);
    expect([...early.values()].map((header) => header.source)).toEqual(['pending', 'pending']);
    expect(early.get('src/content/blog/a.md')?.job.userPrompt).toBe('Post a at dusk');

    await expect(service.ready()).rejects.toThrow('src/content/blog/bad.md:2');
    await expect(service.headersOf(['src/content/blog/a.md'])).rejects.toThrow('bad.md:2');
    // The post is fixed: the next refresh runs the first run again and serves every post.
    await writeFile(bad, '---\nheader: "Post bad at dusk"\n---\n');
    await service.refresh();
    const files = [...posts, 'bad'].map((name) => `src/content/blog/${name}.md`).sort();
    expect(updates).toEqual([{ type: 'headers-changed', files, placeholder: true }]);
    const fixed = 'src/content/blog/bad.md';
    expect((await service.headersOf([fixed])).get(fixed)).toBe(service.headers().get(fixed));
    await service.close();
  });

  it('reports an edit during a first run that fails as an error, never as a rejection', async () => {
    release = holdBackgroundWork();
    await writeFile(join(root, 'src/content/blog/bad.md'), '---\nheader: { prompt: "" }\n---\n');
    const { service, updates } = devService();
    await service.refresh();
    expect(updates.map((update) => update.type)).toEqual(['error']);
    expect(updates[0]?.type === 'error' && updates[0].error.message).toContain(
      'src/content/blog/bad.md:2',
    );
    await service.close();
  });

  it('reports the posts it answered for early that its first run serves otherwise', async () => {
    release = holdBackgroundWork();
    const { service, updates } = devService();
    await service.headersOf(['src/content/blog/a.md', 'src/content/blog/b.md']);
    // Edited before the first run reads it: a square header now.
    await writeFile(
      join(root, 'src/content/blog/a.md'),
      '---\ntitle: a\nheader: { prompt: "Post a at dusk", aspectRatio: "1:1" }\n---\n',
    );
    await service.ready();
    expect(updates).toEqual([
      { type: 'headers-changed', files: ['src/content/blog/a.md'], placeholder: true },
    ]);
    expect(service.headers().get('src/content/blog/a.md')?.job.aspectRatio).toBe('1:1');
    await service.close();
  });
});

async function until(ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
