// `node bench/compact.mjs`: which encoding stores a received image compactly (issue 16).
// Encodes photo-like 1344×768 images (bench/photo-like.mjs) as PNG, the stand-in for what a
// model sends, and as each candidate encoding; measures size, SSIM on luma against the PNG's
// pixels (bench/ssim.mjs), encode time, and whether two encodes give the same bytes.
// Writes bench/results/compact.json. Takes about a minute on 2 cores.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { PHOTO_HEIGHT, PHOTO_KINDS, PHOTO_WIDTH, photoLikePng } from './photo-like.mjs';
import { luma, ssim } from './ssim.mjs';

const SEED = 16;
const LIMIT_BYTES = 400 * 1024;
const MIN_SSIM = 0.98;

const CANDIDATES = [
  ...[60, 70, 80, 85, 90].map((quality) => ({
    name: `avif q${quality}`,
    encode: (image) => image.avif({ quality, effort: 4, chromaSubsampling: '4:4:4' }),
  })),
  // libaom's effort (cpu-used) trades encode time for size at the same quality.
  ...[0, 1, 2].map((effort) => ({
    name: `avif q90 effort ${effort}`,
    encode: (image) => image.avif({ quality: 90, effort, chromaSubsampling: '4:4:4' }),
  })),
  ...[90, 95].map((quality) => ({
    name: `webp q${quality}`,
    encode: (image) => image.webp({ quality, smartSubsample: true, effort: 4 }),
  })),
  ...[92, 95].map((quality) => ({
    name: `jpeg q${quality} mozjpeg`,
    encode: (image) => image.jpeg({ quality, mozjpeg: true }),
  })),
];

const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');

async function measure(png, candidate, reference) {
  const time = async () => {
    const began = performance.now();
    const bytes = await candidate.encode(sharp(png)).toBuffer();
    return { bytes, ms: performance.now() - began };
  };
  const first = await time();
  const second = await time();
  const { data } = await sharp(first.bytes).raw().toBuffer({ resolveWithObject: true });
  return {
    bytes: first.bytes.length,
    ssim: ssim(reference, luma(data, 3), PHOTO_WIDTH, PHOTO_HEIGHT),
    // The faster of two (the first may pay for loading the codec).
    encodeMs: Math.round(Math.min(first.ms, second.ms)),
    deterministic: sha(first.bytes) === sha(second.bytes),
  };
}

const images = [];
for (const kind of PHOTO_KINDS) {
  const png = await photoLikePng(kind, SEED);
  const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  images.push({ kind, png, reference: luma(data, 3) });
}

const results = [];
for (const candidate of CANDIDATES) {
  const perImage = [];
  for (const { kind, png, reference } of images) {
    perImage.push({ kind, ...(await measure(png, candidate, reference)) });
  }
  const worst = {
    bytes: Math.max(...perImage.map((r) => r.bytes)),
    ssim: Math.min(...perImage.map((r) => r.ssim)),
  };
  results.push({
    encoding: candidate.name,
    maxBytes: worst.bytes,
    minSsim: Number(worst.ssim.toFixed(5)),
    meanEncodeMs: Math.round(perImage.reduce((s, r) => s + r.encodeMs, 0) / perImage.length),
    deterministic: perImage.every((r) => r.deterministic),
    meets: worst.bytes <= LIMIT_BYTES && worst.ssim >= MIN_SSIM,
    images: perImage.map((r) => ({ ...r, ssim: Number(r.ssim.toFixed(5)) })),
  });
  const row = results.at(-1);
  console.log(
    `${row.encoding.padEnd(24)} max ${(row.maxBytes / 1024).toFixed(0).padStart(5)} KB  min SSIM ${row.minSsim.toFixed(4)}  ${String(row.meanEncodeMs).padStart(5)} ms  ${row.deterministic ? 'deterministic' : 'NOT deterministic'}  ${row.meets ? 'meets' : ''}`,
  );
}

const received = images.map(({ kind, png }) => ({ kind, bytes: png.length }));
console.log(received.map((r) => `${r.kind} png ${(r.bytes / 1024).toFixed(0)} KB`).join(', '));
await writeFile(
  join(import.meta.dirname, 'results', 'compact.json'),
  `${JSON.stringify(
    {
      recorded: new Date().toISOString().slice(0, 10),
      machine: `${cpus().length} × ${cpus()[0]?.model.trim()}`,
      node: process.version,
      sharp: sharp.versions.sharp,
      size: `${PHOTO_WIDTH}x${PHOTO_HEIGHT}`,
      seed: SEED,
      goal: { maxBytes: LIMIT_BYTES, minSsim: MIN_SSIM },
      ssim: 'luma BT.601, 11x11 Gaussian window sigma 1.5, K1 0.01, K2 0.03, L 255, mean over valid positions, full resolution',
      received,
      results,
    },
    null,
    2,
  )}\n`,
);
