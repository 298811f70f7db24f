import { z } from 'zod';
import { IMAGE_MEDIA_TYPES } from '../image/media-types.js';
import type { GenerationKeyInput } from './keys.js';
import { IMAGE_FILE_NAME } from './layout.js';

// The schemas are built on first use (`sidecarSchema` is a `z.lazy` of the parts below, each
// built by a function), not when this module loads: a warm build recalls its entries from
// the warm index and parses no sidecar, and building them took 1–2 ms of its main thread.

const hex64 = () => z.string().regex(/^[0-9a-f]{64}$/);

/** The bytes as paid for, when the stored file is a compact re-encoding of them. */
const receivedSchema = () =>
  z.object({
    sha256: hex64(),
    bytes: z.number().int().nonnegative(),
    mediaType: z.enum(IMAGE_MEDIA_TYPES),
  });
export type ReceivedRecord = z.infer<ReturnType<typeof receivedSchema>>;

/**
 * What is recorded of each image file of an entry: the file as stored (`file` … `height`),
 * and what was paid for. Stored as received unless `received` says otherwise.
 */
const imageRecordShape = () => ({
  file: z.string().regex(IMAGE_FILE_NAME),
  mediaType: z.enum(IMAGE_MEDIA_TYPES),
  sha256: hex64(),
  bytes: z.number().int().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** The bytes as paid for (their hash, size and type), when the stored file is not them. */
  received: receivedSchema().optional(),
  created: z.string(),
  costUsd: z.number().nonnegative().nullable(),
  generationId: z.string().nullable(),
  usage: z
    .looseObject({
      promptTokens: z.number().optional(),
      completionTokens: z.number().optional(),
      /** OpenRouter's own `usage.cost`, USD, when the answer gave it. */
      cost: z.number().optional(),
    })
    .nullable(),
  /**
   * The endpoint that made the image (`images` or `chat`); absent in entries made before the
   * Image API. Not part of the key: switching endpoints never re-bills an image.
   */
  transport: z.enum(['images', 'chat']).optional(),
  /** The upstream provider that served the image, when the answer said (e.g. "Google Vertex"). */
  servedBy: z.string().optional(),
  /** Posts that asked for this image when it was made (relative to the project root). */
  sources: z.array(z.string()),
  /** Set when the image survived a crash before its record was written. */
  recovered: z.boolean().optional(),
  /**
   * Offline art only: what the drawing shows besides its key (its version and the post's
   * title, see `placeholderArtOf`), so that art of an edited title is drawn again.
   */
  art: z.string().optional(),
});

/** What is recorded of one image file of an entry. */
export type ImageRecord = z.infer<z.ZodObject<ReturnType<typeof imageRecordShape>>>;

/** What an entry's sidecar records of one of its later candidates. */
const candidateRecordSchema = () =>
  z.looseObject({
    candidate: z.number().int().min(2).max(8),
    ...imageRecordShape(),
  });

/**
 * The JSON beside each cached image. It records what was paid for and how, so the cache
 * explains itself in a code review and can be verified without the network.
 */
export const sidecarSchema = z.lazy(() =>
  z.looseObject({
    schema: z.literal(1),
    key: hex64(),
    provider: z.literal('openrouter'),
    /** Offline art standing in for this key; never stored in the committed cache. */
    placeholder: z.boolean(),
    prompt: z.string(),
    model: z.string(),
    aspectRatio: z.string(),
    imageSize: z.string(),
    seed: z.number().int().nullable(),
    /** sha256 of each reference image the request carried, in order (part of the key). */
    references: z.array(hex64()).optional(),
    /** Which candidate of its prompt this image is, from 2 (part of the key); absent: the first. */
    candidate: z.number().int().min(2).optional(),
    ...imageRecordShape(),
    /**
     * The prompt's other candidates (2–8), each its own file in the same folder with its own
     * hash: one entry holds every image paid for of one prompt. Absent: only the first.
     */
    candidates: z.array(candidateRecordSchema()).optional(),
  }),
);
export type Sidecar = z.infer<typeof sidecarSchema>;
export type CandidateRecord = z.infer<ReturnType<typeof candidateRecordSchema>>;

/**
 * Candidate k of an entry as a sidecar of its own, under its own key: what the rest of
 * headerforge (derivation, the remote cache) sees of it. Its `file` is the name it would have
 * as an entry of its own, which is how the remote stores it.
 */
export function candidateSidecar(base: Sidecar, record: CandidateRecord, key: string): Sidecar {
  // What is the first image's own (found after a crash, what offline art shows) is not its.
  const { candidates: _others, recovered: _recovered, art: _art, ...shared } = base;
  const { candidate, ...image } = record;
  return {
    ...shared,
    ...image,
    key,
    candidate,
    file: `${key}.${record.file.split('.').pop()}`,
  };
}

/** What a sidecar's image was generated from: the input of its generation key. */
export function sidecarInput(sidecar: Sidecar): GenerationKeyInput {
  return {
    provider: sidecar.provider,
    prompt: sidecar.prompt,
    model: sidecar.model,
    aspectRatio: sidecar.aspectRatio as GenerationKeyInput['aspectRatio'],
    imageSize: sidecar.imageSize as GenerationKeyInput['imageSize'],
    seed: sidecar.seed ?? undefined,
    ...(sidecar.references?.length ? { references: sidecar.references } : {}),
    ...(sidecar.candidate === undefined ? {} : { candidate: sidecar.candidate }),
  };
}
