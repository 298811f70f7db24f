import { createHash } from 'node:crypto';
import type { AspectRatio, ImageSize } from '../image/ratios.js';

/** Bump when the meaning of a generation key changes; every cached image then misses. */
const KEY_SCHEMA_VERSION = 1;

/** Everything that changes the *paid* image, and nothing else. */
export interface GenerationKeyInput {
  provider: 'openrouter';
  prompt: string;
  model: string;
  aspectRatio: AspectRatio;
  imageSize: ImageSize;
  seed?: number | undefined;
  /** sha256 (hex) of each reference image's bytes, in order; absent or empty: none. */
  references?: readonly string[] | undefined;
  /** Which of a post's candidates (2, 3, …); absent or 1: the first, the only one before candidates. */
  candidate?: number | undefined;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The sha256 of the input's canonical JSON: its fields in code-unit order (written in that
 * order here, since every value is a string, a number, null or a list of strings), `seed`
 * null when unset, and `references` and `candidate` only when set, so that every key made
 * before they existed stays the same. `keys.test.ts` pins the bytes.
 */
export function generationKey(input: GenerationKeyInput): string {
  const { references, candidate } = input;
  return sha256Hex(
    JSON.stringify({
      aspectRatio: input.aspectRatio,
      ...(candidate !== undefined && candidate > 1 ? { candidate } : {}),
      imageSize: input.imageSize,
      model: input.model,
      prompt: input.prompt,
      provider: input.provider,
      ...(references?.length ? { references } : {}),
      seed: input.seed ?? null,
      v: KEY_SCHEMA_VERSION,
    }),
  );
}

/**
 * The key of the prompt's first candidate: the entry that a later candidate is filed in
 * (its sidecar lists the others) and that names their shared folder.
 */
export const firstCandidateKey = (input: GenerationKeyInput): string =>
  generationKey({ ...input, candidate: undefined });

const KEY_PATTERN = /^[0-9a-f]{64}$/;

/** Cache paths are built from keys alone; anything else is refused before it nears the disk. */
export function isGenerationKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}
