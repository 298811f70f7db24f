import type { GenerationKeyInput } from '../cache/keys.js';
import type { PostCard } from '../derive/card-spec.js';
import type { Focus } from '../image/focus.js';
import type { ImageMediaType } from '../image/media-types.js';
import type { AspectRatio, ImageSize } from '../image/ratios.js';

/** One post's header, as scanned from its frontmatter and the site options. */
export interface HeaderJob {
  /** Content file, relative to the project root, with forward slashes. */
  file: string;
  /** 1-based line of the header field in the file (for messages), when it has one. */
  line?: number;
  title?: string;
  /** The post's own `header.og`: no card, the crop, or its card's title and look. */
  og?: PostCard;
  /** The prompt sent to the model: the post's prompt with the site `style` applied. */
  prompt: string;
  /** The prompt as the post wrote it (or as `auto` built it), before `style`. */
  userPrompt: string;
  alt: string;
  model: string;
  aspectRatio: AspectRatio;
  imageSize: ImageSize;
  seed?: number;
  focus: Focus;
  /** True when the prompt was built from title/description because the post had no header. */
  auto: boolean;
  /** Reference images sent with the prompt, read once per build (see `site/references.ts`). */
  references?: readonly ReferenceImage[];
  /** How many images of the prompt to have (1–8); default 1. */
  candidates?: number;
  /** Which candidate the post shows, from 1; default 1. */
  pick?: number;
}

/** A reference image as a job carries it: read and checked once per build. */
export interface ReferenceImage {
  /** As the site options or the post wrote it, for messages. */
  path: string;
  bytes: Uint8Array;
  mediaType: ImageMediaType;
  sha256: string;
  /**
   * Decodes the whole image, once however many requests carry it, before the first request
   * that does: a file whose header reads but whose pixels do not is refused before it is
   * paid for, naming the option or frontmatter line that asked for it (only its header is
   * read on every build).
   */
  decodes?: () => Promise<void>;
}

/** Every reference of the job decodes (see `ReferenceImage.decodes`). */
export async function checkReferences(job: HeaderJob): Promise<void> {
  for (const reference of job.references ?? []) await reference.decodes?.();
}

/**
 * The seed sent for candidate `k` of a post, when the model takes seeds. The first keeps the
 * post's own seed (so keys and images made before candidates stay as they were); the others
 * get seeds of their own, in a range no post's plain seed reaches, and apart for each base
 * seed, so re-rolling (seed + 1) never asks again for a candidate already made.
 */
export function candidateSeed(seed: number | undefined, candidate: number): number | undefined {
  if (candidate <= 1) return seed;
  return 1_000_000_000 + (seed ?? 0) * 8 + candidate;
}

type KeyedJob = Pick<
  HeaderJob,
  'prompt' | 'model' | 'aspectRatio' | 'imageSize' | 'seed' | 'references' | 'pick'
>;

/**
 * What one image of a post pays for: the input of its generation key. By default the image
 * the post shows (its pick); `candidate` names another. The references count by their bytes
 * and order, never their paths: renaming one re-bills nothing, replacing one does.
 */
export function jobKeyInput(job: KeyedJob, candidate = job.pick ?? 1): GenerationKeyInput {
  return {
    provider: 'openrouter',
    prompt: job.prompt,
    model: job.model,
    aspectRatio: job.aspectRatio,
    imageSize: job.imageSize,
    seed: job.seed,
    ...(job.references?.length
      ? { references: job.references.map((reference) => reference.sha256) }
      : {}),
    ...(candidate > 1 ? { candidate } : {}),
  };
}

/** The key inputs of every candidate a post wants, the first first. */
export function candidateInputs(
  job: KeyedJob & Pick<HeaderJob, 'candidates'>,
): GenerationKeyInput[] {
  const count = Math.max(job.candidates ?? 1, job.pick ?? 1);
  return Array.from({ length: count }, (_, index) => jobKeyInput(job, index + 1));
}
