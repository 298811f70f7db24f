import { rm } from 'node:fs/promises';
import type { DerivedSet } from './derived-set.js';
import { derivativeKey } from './key.js';
import type { Original } from './sharp-input.js';
import type { DeriveSpec } from './spec.js';
import { keyDirectory, publishDerivedSet, readDerivedSet } from './store.js';
import { makeTempDir } from './temp-dirs.js';

export interface GetDerivedSetInput {
  /** The original bytes, exactly as paid for (or their pixels, read only when the set is derived). */
  original: Original;
  /** Their sha256 hex, which the caller already has (the warm path hashes nothing). */
  originalSha256: string;
  spec: DeriveSpec;
  /** Absolute root of the derived cache. */
  cacheDir: string;
  /**
   * The content file a newly derived set's files are named after (see `fileStem`). Not part
   * of the key: a set one post named is the same set for another post that shares it.
   */
  post?: string | undefined;
}

/**
 * The derived set for an original and a spec: from the cache when it is intact (no
 * sharp call at all), otherwise derived into a temp folder and published atomically.
 */
export async function getDerivedSet(input: GetDerivedSetInput): Promise<DerivedSet> {
  const { original, originalSha256, spec, cacheDir, post } = input;
  const key = derivativeKey(originalSha256, spec);
  const warm = await readDerivedSet(cacheDir, key);
  if (warm) return warm;
  // The encoders (sharp) load with the first set made: a warm build needs none of them.
  const { deriveFiles } = await import('./derive-files.js');
  const tempDir = await makeTempDir(keyDirectory(cacheDir, key));
  try {
    const files = await deriveFiles(original, spec, tempDir, undefined, post);
    return await publishDerivedSet(cacheDir, key, tempDir, files);
  } finally {
    // Gone after a successful publish; what a failure left half-written otherwise.
    await rm(tempDir, { recursive: true, force: true });
  }
}
