import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { holdBackgroundWork } from '../testing/index.js';
import { createHeaderService, type ServiceUpdate } from './header-service.js';

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

function devService() {
  const updates: ServiceUpdate[] = [];
  const service = createHeaderService({
    root,
    options: { widths: [320], formats: ['webp'], og: false },
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
});

async function until(ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
