import { mkdir } from 'node:fs/promises';
import { HeaderforgeError, isHeaderforgeError } from '../errors/headerforge-error.js';
import { isOutOfSpace, noSpaceLeft } from '../files/disk-space.js';
import { ratioValue } from '../image/ratios.js';
import { dominantColour } from './colour.js';
import { cropMaster } from './crop.js';
import type { DerivedSet } from './derived-set.js';
import { fileStem, setFileNames } from './file-names.js';
import { makeLqip } from './lqip.js';
import { writeOgCard } from './og-card.js';
import { type Original, pixelsOf } from './sharp-input.js';
import { type DeriveSpec, normaliseSpec } from './spec.js';
import { writeVariants } from './variants.js';

/** Timed steps of a derivation; `crop` includes writing the lossless master. */
export type DeriveStep = 'decode' | 'crop' | 'variants' | 'og' | 'lqip' | 'color';
const WRITING_STEPS: ReadonlySet<DeriveStep> = new Set(['crop', 'variants', 'og']);

/**
 * The cold work: decodes the original once (unless handed its pixels) and writes every file of the set into
 * `outDir` (created if missing). Steps run one after another so `onStep` timings add up
 * to the whole; a build gets its parallelism from deriving several headers at once.
 */
export async function deriveFiles(
  original: Original,
  spec: DeriveSpec,
  outDir: string,
  onStep?: (step: DeriveStep, ms: number) => void,
  /** The content file the files are named after (see `fileStem`); none: `master.png`, … */
  post?: string,
): Promise<Omit<DerivedSet, 'key'>> {
  const names = setFileNames(post === undefined ? undefined : fileStem(post));
  const { aspectRatio, focus, widths, formats, og, variants } = normaliseSpec(spec);
  const ratio = ratioValue(aspectRatio);
  try {
    await mkdir(outDir, { recursive: true });
  } catch (cause) {
    throw new HeaderforgeError('io', `Cannot create the derived-image folder ${outDir}.`, {
      hint: 'Check that the derived cache folder is writable.',
      cause,
    });
  }
  const step = async <T>(name: DeriveStep, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    let result: T;
    try {
      result = await work();
    } catch (cause) {
      if (isHeaderforgeError(cause)) throw cause;
      // libvips says only that a write failed; a full disk deserves its own, clear error.
      const full = WRITING_STEPS.has(name) && (await isOutOfSpace(outDir));
      throw new HeaderforgeError(
        full ? 'io' : 'image_processing',
        `Deriving header images into ${outDir} failed at the "${name}" step: ${cause instanceof Error ? cause.message : String(cause)}.`,
        {
          hint: 'Check free disk space; if it persists, report it with the original image.',
          cause: full ? noSpaceLeft(`writing the "${name}" images`) : cause,
        },
      );
    }
    onStep?.(name, performance.now() - started);
    return result;
  };

  // The decoded original is only needed for the master and the card (cut from the
  // original, not the master, so it keeps every pixel its own ratio allows). Keeping it in
  // this inner scope lets ~50 MB per 4K image go before the variants are encoded.
  const fromOriginal = async () => {
    const decoded = await step('decode', () => pixelsOf(original));
    // Without variants the master is the host's input, not a file it serves: see cropMaster.
    const master = await step('crop', () =>
      cropMaster(decoded, ratio, focus, outDir, variants ? 'served' : 'intermediate', names.master),
    );
    const ogCard = og
      ? await step('og', () => writeOgCard(decoded, focus, outDir, names.og))
      : undefined;
    return { master, ogCard };
  };
  const { master, ogCard } = await fromOriginal();
  const files = variants
    ? await step('variants', () =>
        writeVariants(master.pixels, ratio, widths, formats, outDir, names.variant),
      )
    : [];
  const lqip = await step('lqip', () => makeLqip(master.pixels));
  const color = await step('color', () => dominantColour(master.pixels));
  return {
    master: master.file,
    variants: files,
    ...(ogCard ? { og: ogCard } : {}),
    lqip,
    color,
  };
}
