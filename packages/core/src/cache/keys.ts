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

/** JSON with object keys sorted at every depth, so equal values hash equally. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    return Object.fromEntries(
      Object.entries(inner as Record<string, unknown>).sort(([a], [b]) =>
        a < b ? -1 : a > b ? 1 : 0,
      ),
    );
  });
}

export function generationKey(input: GenerationKeyInput): string {
  return sha256Hex(
    canonicalJson({
      v: KEY_SCHEMA_VERSION,
      provider: input.provider,
      prompt: input.prompt,
      model: input.model,
      aspectRatio: input.aspectRatio,
      imageSize: input.imageSize,
      seed: input.seed ?? null,
      // Only when set, so that every key made before references and candidates stays the same.
      ...(input.references?.length ? { references: input.references } : {}),
      ...(input.candidate !== undefined && input.candidate > 1
        ? { candidate: input.candidate }
        : {}),
    }),
  );
}

const KEY_PATTERN = /^[0-9a-f]{64}$/;

/** Cache paths are built from keys alone; anything else is refused before it nears the disk. */
export function isGenerationKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}
