// Peak RSS of a read-through whose copies are written behind the build (derived sets kept),
// with the image bytes held at once bounded (`budget`, the default) and unbounded (as before
// 2026-11-30's ninth session). Not a recorded figure: `node bench/read-through-memory.mjs`
// prints it (after `npm run build`). The remote is a fake in this process that hands each
// read a fresh copy of the entry's file, as a Redis reply is; its entries are 40 images of
// 28 MiB, the size of a 4K PNG kept as received.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { peakRssMiB } from './peak-rss.mjs';

const build = new URL('../packages/core/build/cache/', import.meta.url);
const { openImageStore } = await import(new URL('store.js', build).href);
const { openTieredStore, REMOTE_BYTES } = await import(new URL('tiered-store.js', build).href);
const { createPixelBudget } = await import(new URL('../pipeline/pixel-budget.js', build).href);
const { generationKey } = await import(new URL('keys.js', build).href);

const ENTRIES = 40;
const SIZE = 28 * 2 ** 20;
const inputs = Array.from({ length: ENTRIES }, (_, i) => ({
  provider: 'openrouter',
  prompt: `read-through memory ${i}`,
  model: 'google/gemini-2.5-flash-image',
  aspectRatio: '16:9',
  imageSize: '4K',
}));

if (process.argv[2] === 'child') {
  const [, , , dir, mode] = process.argv;
  const remoteStore = openImageStore(join(dir, 'remote'));
  const entries = new Map();
  for (const input of inputs) {
    const found = await remoteStore.lookup(input);
    if (found.status !== 'hit') throw new Error(`the remote lacks ${input.prompt}`);
    entries.set(generationKey(input), found.entry);
  }
  const remote = {
    label: 'memory://bench',
    readOnly: true,
    async fetch(input, options) {
      const entry = entries.get(generationKey(input));
      await options?.beforeImage?.(entry.sidecar);
      const bytes = new Uint8Array(await readFile(entry.file));
      await options?.needsPixels?.(entry.sidecar);
      return { status: 'hit', sidecar: entry.sidecar, bytes };
    },
  };
  const local = join(dir, `local-${mode}`);
  const tiered = openTieredStore(openImageStore(local), remote, () => {}, {
    writeBehind: true,
    // As a run opens it (pipeline/run.ts), or without the limit.
    ...(mode === 'budget'
      ? { byteLimit: createPixelBudget(REMOTE_BYTES, Number.POSITIVE_INFINITY) }
      : {}),
  });
  const started = performance.now();
  // As a run asks: every post's image at once.
  await Promise.all(inputs.map((input) => tiered.readThrough(input, { needsPixels: () => false })));
  const returnedMs = performance.now() - started;
  const { written, failures } = await tiered.settle();
  if (written !== ENTRIES || failures.length > 0) throw new Error('a copy was not written');
  const writtenMs = performance.now() - started;
  await rm(local, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ mode, peakRssMiB: peakRssMiB(), returnedMs, writtenMs }));
} else {
  const dir = await mkdtemp(join(tmpdir(), 'hf-read-through-memory-'));
  try {
    const remoteStore = openImageStore(join(dir, 'remote'));
    for (const [i, input] of inputs.entries()) {
      // Distinct bytes (so distinct hashes), a PNG's signature first.
      const bytes = Buffer.alloc(SIZE, i + 1);
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes);
      await remoteStore.persist(
        input,
        { bytes, mediaType: 'image/png', width: 5376, height: 3072 },
        { placeholder: false, sources: [`src/content/blog/${i}.md`] },
      );
    }
    const script = fileURLToPath(import.meta.url);
    for (const mode of ['budget', 'unbounded', 'budget', 'unbounded']) {
      const { stdout } = await promisify(execFile)(process.execPath, [script, 'child', dir, mode]);
      const run = JSON.parse(stdout);
      console.log(
        `${run.mode.padEnd(9)} peak RSS ${run.peakRssMiB} MiB; every read returned after ${Math.round(run.returnedMs)} ms, every copy written after ${Math.round(run.writtenMs)} ms`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
