// `node bench/encoders.mjs` (after `npm run build`): the variant encoders (WebP and JPEG, which
// every width of a Vite site's set is encoded in) and the crop card's, each against the
// alternatives. Photo-like 1K pictures (bench/photo-like.mjs, two seeds × six kinds) are cut
// to a 16:9 master and resized to each variant width as a set does (`writeVariants`), or cut
// from the original to 1200×630 around the attention focus (`writeOgCard`); then encoded.
// The rows marked "ours" call core's own `encode` and `encodeCard`, so they follow the code.
// Measured: the CPU time of each encode (this process's, sharp's threads included; each
// encode twice, in turn with the others), the bytes, and SSIM on luma against the resized
// pixels (bench/ssim.mjs). Writes bench/results/encoders.json, with the CPU reference
// (cpu-reference.mjs) beside it: the times are this machine's, their ratios are the figure.
// Takes a few minutes on 2 cores.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { encode, encodeCard } from '../packages/core/dist/internal/index.js';
import { cpuReference } from './cpu-reference.mjs';
import { PHOTO_KINDS, photoLikePng } from './photo-like.mjs';
import { luma, ssim } from './ssim.mjs';

const SEEDS = [18, 29];
const ROUNDS = 2;

const GROUPS = [
  {
    name: 'WebP variants',
    widths: [640, 960, 1280],
    candidates: {
      'q80 effort 4 (sharp’s default; ours before)': (image) => image.webp({ quality: 80 }),
      'q80 effort 3': (image) => image.webp({ quality: 80, effort: 3 }),
      'ours (q80 effort 2)': (image) => encode(image, 'webp'),
    },
  },
  {
    name: 'JPEG variants',
    widths: [640, 960, 1280],
    candidates: {
      'mozjpeg q80 progressive (ours before)': (image) =>
        image.jpeg({ quality: 80, mozjpeg: true, progressive: true }),
      'libjpeg-turbo q80 optimised': (image) => image.jpeg({ quality: 80, optimiseCoding: true }),
      'ours (libjpeg-turbo q75 optimised progressive)': (image) => encode(image, 'jpeg'),
    },
  },
  {
    name: 'crop card (1200×630)',
    card: true,
    sizes: [[1200, 630]],
    candidates: {
      'mozjpeg q80 progressive (ours before)': (image) =>
        image.jpeg({ quality: 80, mozjpeg: true, progressive: true }),
      'ours (libjpeg-turbo q85 optimised, as the title card)': (image) => encodeCard(image),
    },
  },
];

const cpuMs = (since) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

const reference = await cpuReference();
const pictures = [];
for (const seed of SEEDS) {
  for (const kind of PHOTO_KINDS) {
    const png = await photoLikePng(kind, seed);
    const raw = (image) => image.raw().toBuffer({ resolveWithObject: true });
    pictures.push({
      original: await raw(sharp(png)),
      // The master: the original cut to 16:9 around the focus, as `cropMaster` does.
      master: await raw(sharp(png).resize(1344, 756, { fit: 'cover', position: 'attention' })),
    });
  }
}

const results = [];
for (const group of GROUPS) {
  const sizes = group.sizes ?? group.widths.map((width) => [width, Math.round((width * 9) / 16)]);
  const rows = Object.keys(group.candidates).map((name) => ({ name, cpu: [], bytes: 0, ssim: [] }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const picture of pictures) {
      const { data, info } = group.card ? picture.original : picture.master;
      for (const [width, height] of sizes) {
        // As the set makes it: a variant from the master, the card from the original.
        const resized = () =>
          sharp(data, { raw: info }).resize(width, height, {
            fit: 'cover',
            ...(group.card ? { position: 'attention' } : {}),
          });
        const target = luma(await resized().raw().toBuffer(), 3);
        for (const [i, encode] of Object.values(group.candidates).entries()) {
          const row = rows[i];
          const since = process.cpuUsage();
          const bytes = await encode(resized()).toBuffer();
          row.cpu.push(cpuMs(since));
          if (round > 0) continue;
          row.bytes += bytes.length;
          row.ssim.push(ssim(target, luma(await sharp(bytes).raw().toBuffer(), 3), width, height));
        }
      }
    }
  }
  const encodes = pictures.length * sizes.length;
  const summary = rows.map((row) => ({
    encoder: row.name,
    cpuMsPerEncode: Math.round(mean(row.cpu) * 10) / 10,
    kbPerFile: Math.round((row.bytes / encodes / 1024) * 10) / 10,
    ssimMean: Math.round(mean(row.ssim) * 10000) / 10000,
    ssimMin: Math.round(Math.min(...row.ssim) * 10000) / 10000,
  }));
  results.push({ group: group.name, sizes, encodes, rows: summary });
  console.log(`\n${group.name} (${encodes} encodes each, resize included)`);
  for (const row of summary) {
    console.log(
      `  ${row.encoder.padEnd(52)} ${String(row.cpuMsPerEncode).padStart(6)} ms  ${String(row.kbPerFile).padStart(6)} KB  SSIM ${row.ssimMean} (lowest ${row.ssimMin})`,
    );
  }
}

const out = {
  date: new Date().toISOString(),
  cpuReferenceMs: reference,
  pictures: `${pictures.length} photo-like 1344×768 (seeds ${SEEDS.join(', ')}), masters 1344×756`,
  results,
};
await writeFile(
  join(import.meta.dirname, 'results', 'encoders.json'),
  `${JSON.stringify(out, null, 2)}\n`,
);
console.log(`\nCPU reference: ${JSON.stringify(reference)}`);
