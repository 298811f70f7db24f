import type { GenerationKeyInput } from '../cache/keys.js';
import type { Focus } from '../image/focus.js';
import type { AspectRatio, ImageSize } from '../image/ratios.js';

/** One post's header, as scanned from its frontmatter and the site options. */
export interface HeaderJob {
  /** Content file, relative to the project root, with forward slashes. */
  file: string;
  /** 1-based line of the header field in the file (for messages), when it has one. */
  line?: number;
  title?: string;
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
}

/** What a post's header job pays for: the input of its generation key. */
export function jobKeyInput(
  job: Pick<HeaderJob, 'prompt' | 'model' | 'aspectRatio' | 'imageSize' | 'seed'>,
): GenerationKeyInput {
  return {
    provider: 'openrouter',
    prompt: job.prompt,
    model: job.model,
    aspectRatio: job.aspectRatio,
    imageSize: job.imageSize,
    seed: job.seed,
  };
}
