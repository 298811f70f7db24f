import sharp from 'sharp';
import type { GenerationKeyInput } from '../cache/keys.js';
import type { CachedImage, ImageStore } from '../cache/store.js';

/** Where a post's candidate image stands: what the sheet and the review page show of it. */
export type CandidateImage =
  | { state: 'corrupt'; problem: string }
  | { state: 'missing' }
  | {
      /** `cached`: a paid image; `placeholder`: offline art. */
      state: 'cached' | 'placeholder';
      width: number;
      height: number;
      /** What it cost, when known (never for offline art). */
      costUsd?: number | null;
      store: ImageStore;
      entry: CachedImage;
    };

/** A candidate from the committed cache, else offline art, else an empty slot. */
export async function findCandidateImage(
  input: GenerationKeyInput,
  stores: { committed: ImageStore; placeholders: ImageStore },
): Promise<CandidateImage> {
  const found = await stores.committed.lookup(input);
  if (found.status === 'corrupt') return { state: 'corrupt', problem: found.reason };
  if (found.status === 'hit') {
    const { width, height, costUsd } = found.entry.sidecar;
    return { state: 'cached', width, height, costUsd, store: stores.committed, entry: found.entry };
  }
  const offline = await stores.placeholders.lookup(input);
  if (offline.status !== 'hit') return { state: 'missing' };
  const { width, height } = offline.entry.sidecar;
  return { state: 'placeholder', width, height, store: stores.placeholders, entry: offline.entry };
}

/** A cached image shrunk to at most `width` pixels wide (never enlarged), as WebP. */
export async function shrinkImage(
  store: ImageStore,
  entry: CachedImage,
  size: { width: number; quality: number },
): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(await store.read(entry))
    .resize({ width: size.width, withoutEnlargement: true })
    .webp({ quality: size.quality })
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
