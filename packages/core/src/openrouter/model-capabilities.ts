import {
  ASPECT_RATIOS,
  type AspectRatio,
  EXTENDED_ASPECT_RATIOS,
  EXTENDED_IMAGE_SIZES,
  IMAGE_SIZES,
  type ImageSize,
} from '../image/ratios.js';

/** Models that also take the extended ratios and `0.5K` (per OpenRouter's image guide). */
const EXTENDED_MODELS: ReadonlySet<string> = new Set(['google/gemini-3.1-flash-image-preview']);

export interface ImageCapabilities {
  aspectRatios: readonly AspectRatio[];
  imageSizes: readonly ImageSize[];
}

/**
 * What a model accepts in `image_config`. OpenRouter rejects anything else with
 * `400 Invalid option`, after the request has been queued; checking here first turns a
 * wasted round trip into an error that lists the valid values.
 */
export function imageCapabilities(model: string): ImageCapabilities {
  if (EXTENDED_MODELS.has(model)) {
    return {
      aspectRatios: [...ASPECT_RATIOS, ...EXTENDED_ASPECT_RATIOS],
      imageSizes: [...EXTENDED_IMAGE_SIZES, ...IMAGE_SIZES],
    };
  }
  return { aspectRatios: ASPECT_RATIOS, imageSizes: IMAGE_SIZES };
}

/**
 * Output modalities of the models we know, used only when the live catalogue cannot be
 * fetched. Gemini answers with text and image; Flux and Sourceful with image only.
 */
export const FALLBACK_OUTPUT_MODALITIES: Readonly<Record<string, readonly string[]>> = {
  'google/gemini-2.5-flash-image': ['image', 'text'],
  'google/gemini-2.5-flash-image-preview': ['image', 'text'],
  'google/gemini-3-pro-image-preview': ['image', 'text'],
  'google/gemini-3.1-flash-image-preview': ['image', 'text'],
  'black-forest-labs/flux.2-pro': ['image'],
  'black-forest-labs/flux.2-flex': ['image'],
  'sourceful/riverflow-v2-fast': ['image'],
  'sourceful/riverflow-v2-pro': ['image'],
  'sourceful/riverflow-v2-standard-preview': ['image'],
};

/** The `modalities` request value for a model that outputs these modalities. */
export function requestModalities(
  outputModalities: readonly string[],
): ['image', 'text'] | ['image'] {
  return outputModalities.includes('text') ? ['image', 'text'] : ['image'];
}
