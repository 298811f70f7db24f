// The `cards` figure of `npm run bench`: what a title card (issue 18) costs per post in a
// cold build, beside the derivation an Astro build already pays (issue 16's goal: ≤ 100 ms
// and ≤ 4 derived files per 1K image). Measured through the code a build runs
// (`deriveFiles` without variants, `getTitleCards`), on the photo-like 1K pictures of
// `bench/photo-like.mjs`, with a title that wraps to two lines, after one warm-up card (the
// first card loads satori, resvg and the fonts). Then the card's share of a cold build: the
// same posts built cold through `runPipeline`, once with the crop as their card and once with
// title cards. Takes about a minute; numbers depend on the machine.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPipeline } from '@headerforge/core';
// Repository-only internals (not exported by the package) are imported by their built path.
import {
  decodeOriginal,
  deriveFiles,
  getTitleCards,
  sha256Hex,
} from '../packages/core/dist/internal/index.js';
import { median } from './median.mjs';
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

async function timed(work) {
  const began = performance.now();
  await work();
  return performance.now() - began;
}

export async function cards() {
  const root = await mkdtemp(join(tmpdir(), 'hf-bench-cards-'));
  try {
    const pictures = await Promise.all(PHOTO_KINDS.map((kind) => photoLikePng(kind, SEED)));
    const cardFor = (png, sizes, { title = TITLE, dir = `cards-${sizes.length}`, original } = {}) =>
      getTitleCards({
        originalSha256: sha256Hex(png),
        original: original ?? (async () => png),
        focus: 'attention',
        title,
        placeholder: false,
        settings: settings(sizes),
        cardsDir: join(root, dir),
      });
    const firstCardMs = await timed(() => cardFor(pictures[0], OG, { title: 'Warm-up' }));
    const setMs = [];
    const cardMs = [];
    const besideSetMs = [];
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
      // As a cold build draws it: beside its set, from the pixels the set decoded.
      const pixels = await decodeOriginal(png);
      besideSetMs.push(
        await timed(() => cardFor(png, OG, { dir: 'beside-set', original: async () => pixels })),
      );
      squareMs.push(await timed(() => cardFor(png, WITH_SQUARE)));
    }
    const warmMs = await timed(() => cardFor(pictures[0], OG));
    const build = await coldBuilds(root);
    return {
      pictures: pictures.length,
      title: TITLE,
      firstCardMs: Math.round(firstCardMs),
      setMs: Math.round(median(setMs)),
      setFiles,
      cardMs: Math.round(median(cardMs)),
      besideSetMs: Math.round(median(besideSetMs)),
      twoSizesMs: Math.round(median(squareMs)),
      warmLookupMs: Number(warmMs.toFixed(2)),
      build,
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * Cold builds of `posts` posts whose images arrive at once (a provider that hands over
 * photo-like pictures: the build's own work, not the wait for a model), as an Astro build
 * makes them (`variants: false`): the original kept, the derived set, and the card, either
 * the crop or a title card. `rounds` of each, alternating which goes first; medians.
 */
async function coldBuilds(root, { posts = 24, rounds = 3 } = {}) {
  const pictures = await Promise.all(
    Array.from({ length: posts }, (_, i) =>
      photoLikePng(PHOTO_KINDS[i % PHOTO_KINDS.length], SEED + i),
    ),
  );
  const provider = {
    id: 'openrouter',
    estimate: async () => 0,
    generate: async (job) => ({
      bytes: pictures[Number(/(\d+)\.md$/.exec(job.file)[1])],
      mediaType: 'image/png',
      width: 1344,
      height: 768,
      placeholder: false,
      costUsd: 0,
    }),
  };
  const jobs = pictures.map((_, i) => ({
    file: `src/content/blog/cold-${i}.md`,
    title: `${TITLE} (${i})`,
    prompt: `cold build ${i}`,
    userPrompt: `cold build ${i}`,
    alt: `Image ${i}`,
    model: 'google/gemini-2.5-flash-image',
    aspectRatio: '16:9',
    imageSize: '1K',
    focus: 'attention',
    auto: false,
  }));
  const cards = { none: false, crop: true, title: settings(OG) };
  const kinds = Object.keys(cards);
  const wallMs = { none: [], crop: [], title: [] };
  const cpuMs = { none: [], crop: [], title: [] };
  let run = 0;
  for (let round = 0; round < rounds; round++) {
    // Each kind goes first, second and last once in three rounds.
    const order = kinds.map((_, i) => kinds[(i + round) % kinds.length]);
    for (const kind of order) {
      const site = join(root, `cold-${run++}`);
      const began = performance.now();
      const cpuBefore = process.cpuUsage();
      const { summary } = await runPipeline(jobs, {
        settings: {
          root: site,
          cacheDir: join(site, '.headerforge'),
          derivedCacheDir: join(site, 'node_modules/.cache/headerforge'),
          concurrency: 4,
          widths: [],
          formats: [],
          variants: false,
          og: cards[kind],
        },
        mode: 'generate',
        provider,
      });
      wallMs[kind].push(performance.now() - began);
      const cpu = process.cpuUsage(cpuBefore);
      cpuMs[kind].push((cpu.user + cpu.system) / 1000);
      if (summary.generated !== posts || summary.failed > 0) {
        throw new Error(
          `cold ${kind} build: ${summary.generated} generated, ${summary.failed} failed`,
        );
      }
      await rm(site, { recursive: true, force: true });
    }
  }
  // CPU time (this process's threads, sharp's included) is the share's measure: on a busy
  // machine the wall time moves with everything else that runs.
  const cpu = Object.fromEntries(kinds.map((kind) => [kind, median(cpuMs[kind])]));
  const perPost = (ms) => Number((ms / posts).toFixed(1));
  return {
    posts,
    rounds,
    cpuMs: Object.fromEntries(kinds.map((kind) => [kind, Math.round(cpu[kind])])),
    wallMs: Object.fromEntries(kinds.map((kind) => [kind, Math.round(median(wallMs[kind]))])),
    // What a title card adds to a post's build: over no card, and over the crop as the card.
    cardPerPostMs: perPost(cpu.title - cpu.none),
    overCropPerPostMs: perPost(cpu.title - cpu.crop),
    sharePercent: Number((((cpu.title - cpu.none) / cpu.title) * 100).toFixed(1)),
  };
}

const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

export function cardsRows(c) {
  if (!c) return [];
  // Before the set and the card shared a decode (2026-11-30), the card decoded for itself.
  const total = c.setMs + (c.besideSetMs ?? c.cardMs);
  const files = c.setFiles + 1;
  const met = total <= 100 && files <= 4;
  return [
    `| title card per 1K header in an Astro build (${c.pictures} photo-like pictures, a two-line title, median) | card ${c.besideSetMs ?? c.cardMs} ms beside its set, from the set's decode (1200×630; alone, decoding the original, ${c.cardMs} ms; ${c.twoSizesMs} ms with a 1080×1080 too; the first card of a process ${c.firstCardMs} ms, loading satori, resvg and fonts); with the set without its crop card ${total} ms, ${files} files per post (master, manifest, card); a kept card ${c.warmLookupMs} ms | ≤ 100 ms, ≤ 4 files | ${met ? 'met' : '**missed**'} |`,
    ...(c.build
      ? [
          `| title cards' share of a cold Astro build, ${c.build.posts} posts (1K photo-like pictures handed over at once; median CPU time of ${c.build.rounds} builds each) | CPU ${seconds(c.build.cpuMs.title)} with title cards, ${seconds(c.build.cpuMs.crop)} with the crop as the card, ${seconds(c.build.cpuMs.none)} with none (wall ${seconds(c.build.wallMs.title)}, ${seconds(c.build.wallMs.crop)}, ${seconds(c.build.wallMs.none)}): a title card adds ${c.build.cardPerPostMs} ms per post, ${c.build.sharePercent}% of the build (${Math.abs(c.build.overCropPerPostMs)} ms ${c.build.overCropPerPostMs < 0 ? 'less' : 'more'} than the crop card) | | |`,
        ]
      : []),
  ];
}
