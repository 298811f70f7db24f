import type { AspectRatio, ImageSize } from './openrouter/capabilities.js';

/**
 * Where the exact-ratio crop keeps its subject. `attention` and `entropy` are sharp's
 * content-aware strategies; the rest are fixed gravities.
 */
export const FOCUS_VALUES = [
  'attention',
  'entropy',
  'center',
  'top',
  'bottom',
  'left',
  'right',
  'top left',
  'top right',
  'bottom left',
  'bottom right',
] as const;
export type Focus = (typeof FOCUS_VALUES)[number];

/** Best first: a <picture> lists them in this order and the last present one is the <img>. */
export const OUTPUT_FORMATS = ['avif', 'webp', 'jpeg'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

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
