// `node bench/derive-host.mjs` (after `npm run build`): derivation cost per 1K image, per
// step, with headerforge's own variants (the Vite host) and without (the Astro host), on a
// few deterministic photo-like 1344×768 PNGs. Takes seconds; numbers depend on the machine.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
// Repository-only internals (not exported by the package) are imported by their built path.
import { deriveFiles } from '../packages/core/dist/internal/index.js';

const WIDTH = 1344;
const HEIGHT = 768;
const IMAGES = 4;
const ROUNDS = 3;

/** Gradients + noise + shapes from a seeded generator: the same bytes on every run. */
async function photoLike(seed) {
  let state = seed * 2654435761;
  const random = () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const shapes = Array.from({ length: 12 }, () => ({
    x: random() * WIDTH,
    y: random() * HEIGHT,
    r: 30 + random() * 200,
    rgb: [random() * 255, random() * 255, random() * 255],
  }));
  const data = Buffer.alloc(WIDTH * HEIGHT * 3);
  for (let y = 0; y < HEIGHT; y += 1) {
    for (let x = 0; x < WIDTH; x += 1) {
      let rgb = [
        (x / WIDTH) * 200 + seed * 10,
        (y / HEIGHT) * 180,
        ((x + y) / (WIDTH + HEIGHT)) * 220,
      ];
      for (const s of shapes) {
        if ((x - s.x) ** 2 + (y - s.y) ** 2 < s.r ** 2) rgb = s.rgb;
      }
      const i = (y * WIDTH + x) * 3;
      for (let c = 0; c < 3; c += 1) data[i + c] = rgb[c] + (random() - 0.5) * 12;
    }
  }
  return sharp(data, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .png()
    .toBuffer();
}

const originals = await Promise.all(Array.from({ length: IMAGES }, (_, i) => photoLike(i + 1)));
const dir = await mkdtemp(join(tmpdir(), 'hf-derive-'));
const spec = {
  aspectRatio: '16:9',
  focus: 'attention',
  widths: [640, 960, 1280, 1600],
  formats: ['avif', 'webp', 'jpeg'],
  og: true,
};
const modes = [true, false].map((variants) => ({ variants, steps: {}, totals: [], files: 0 }));
try {
  // The two modes alternate image by image, so a machine that slows down mid-run (another
  // job starting) weighs on both alike.
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [i, original] of originals.entries()) {
      for (const mode of modes) {
        const out = join(dir, `${mode.variants}-${round}-${i}`);
        const started = performance.now();
        await deriveFiles(original, { ...spec, variants: mode.variants }, out, (step, ms) => {
          mode.steps[step] = (mode.steps[step] ?? 0) + ms;
        });
        mode.totals.push(performance.now() - started);
        mode.files = (await readdir(out)).length + 1; // + the manifest, written on publish
      }
    }
  }
  const n = ROUNDS * IMAGES;
  for (const { variants, steps, totals, files } of modes) {
    totals.sort((a, b) => a - b);
    const perStep = Object.entries(steps)
      .map(([step, ms]) => `${step} ${Math.round(ms / n)}`)
      .join(', ');
    console.log(
      `variants=${variants}: median ${Math.round(totals[Math.floor(n / 2)])} ms per image (mean per step: ${perStep} ms), ${files} files per post`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
