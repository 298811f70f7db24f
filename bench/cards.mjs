// The `cards` figure of `npm run bench`: what a title card (issue 18) costs per post in a
// cold build, beside the derivation an Astro build already pays (issue 16's goal: ≤ 100 ms
// and ≤ 4 derived files per 1K image). Measured through the code a build runs
// (`deriveFiles` without variants, `getTitleCards`), on the photo-like 1K pictures of
// `bench/photo-like.mjs`, with a title that wraps to two lines, after one warm-up card (the
// first card loads satori, resvg and the fonts). Takes seconds; numbers depend on the machine.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Repository-only internals (not exported by the package) are imported by their built path.
import { deriveFiles, getTitleCards, sha256Hex } from '../packages/core/dist/internal/index.js';
import { PHOTO_KINDS, photoLikePng } from './photo-like.mjs';

const SEED = 18;
const TITLE = 'A lighthouse keeper’s long winter: notes from the edge of the map';
const settings = (sizes) => ({
  layout: 'bottom-left',
  overlay: 0.55,
  siteName: 'Field notes',
  sizes,
});
const OG = [{ width: 1200, height: 630 }];
const WITH_SQUARE = [...OG, { width: 1080, height: 1080 }];

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timed(work) {
  const began = performance.now();
  await work();
  return performance.now() - began;
}

export async function cards() {
  const root = await mkdtemp(join(tmpdir(), 'hf-bench-cards-'));
  try {
    const pictures = await Promise.all(PHOTO_KINDS.map((kind) => photoLikePng(kind, SEED)));
    const cardFor = (png, sizes, title = TITLE) =>
      getTitleCards({
        originalSha256: sha256Hex(png),
        original: async () => png,
        focus: 'attention',
        title,
        placeholder: false,
        settings: settings(sizes),
        cardsDir: join(root, `cards-${sizes.length}`),
      });
    const firstCardMs = await timed(() => cardFor(pictures[0], OG, 'Warm-up'));
    const setMs = [];
    const cardMs = [];
    const squareMs = [];
    let setFiles = 0;
    for (const [i, png] of pictures.entries()) {
      const dir = join(root, `set-${i}`);
      setMs.push(
        await timed(() =>
          deriveFiles(
            png,
            {
              aspectRatio: '16:9',
              focus: 'attention',
              widths: [],
              formats: [],
              og: false,
              variants: false,
            },
            dir,
          ),
        ),
      );
      // The set's files and its manifest (written by the store, one more file).
      setFiles = (await readdir(dir)).length + 1;
      cardMs.push(await timed(() => cardFor(png, OG)));
      squareMs.push(await timed(() => cardFor(png, WITH_SQUARE)));
    }
    const warmMs = await timed(() => cardFor(pictures[0], OG));
    return {
      pictures: pictures.length,
      title: TITLE,
      firstCardMs: Math.round(firstCardMs),
      setMs: Math.round(median(setMs)),
      setFiles,
      cardMs: Math.round(median(cardMs)),
      twoSizesMs: Math.round(median(squareMs)),
      warmLookupMs: Number(warmMs.toFixed(2)),
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export function cardsRows(c) {
  if (!c) return [];
  const total = c.setMs + c.cardMs;
  const files = c.setFiles + 1;
  const met = total <= 100 && files <= 4;
  return [
    `| title card per 1K header in an Astro build (${c.pictures} photo-like pictures, a two-line title, median) | card ${c.cardMs} ms (1200×630; ${c.twoSizesMs} ms with a 1080×1080 too; the first card of a process ${c.firstCardMs} ms, loading satori, resvg and fonts); with the set without its crop card ${total} ms, ${files} files per post (master, manifest, card); a kept card ${c.warmLookupMs} ms | ≤ 100 ms, ≤ 4 files | ${met ? 'met' : '**missed**'} |`,
  ];
}
