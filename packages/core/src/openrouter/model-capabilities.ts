import {
  ASPECT_RATIOS,
  type AspectRatio,
  EXTENDED_ASPECT_RATIOS,
  EXTENDED_IMAGE_SIZES,
  IMAGE_SIZES,
  type ImageSize,
} from '../image/ratios.js';
import type { ImageModel, Range } from './catalogue.js';
import type { Transport } from './transport.js';

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

/** What one model accepts on one transport, in our own vocabulary (`0.5K`, not `512`). */
export interface Accepts {
  transport: Transport;
  aspectRatios: readonly string[];
  imageSizes: readonly string[];
  /** Images per request. */
  n: Range;
  /** Reference images; undefined when the model takes none. */
  inputReferences: Range | undefined;
  seed: boolean;
  /** Output formats one may ask for; undefined when the answer's format cannot be chosen. */
  outputFormats: readonly string[] | undefined;
}

/** The Image API names the half-size tier by its pixels; chat completions and we call it `0.5K`. */
const SIZE_FROM_RESOLUTION: Readonly<Record<string, string>> = { '512': '0.5K' };
export const RESOLUTION_OF_SIZE: Readonly<Record<string, string>> = { '0.5K': '512' };

/**
 * What a model accepts where the request is going. The Image API publishes it per model;
 * chat completions does not, so its ratios and sizes come from OpenRouter's image guide
 * (`imageCapabilities`), it makes one image per request, and it takes references as image
 * parts when the model reads images (as many as the Image API lists for it, when it does).
 */
export function acceptedBy(
  model: string,
  entry: ImageModel | undefined,
  transport: Transport,
): Accepts {
  const api = entry?.imageApi;
  if (transport === 'images' && api) {
    return {
      transport,
      aspectRatios: (api.aspectRatios ?? []).filter((ratio) => ratio !== 'auto'),
      // A model without a `resolution` parameter makes its one size, asked as the default 1K.
      imageSizes: api.resolutions
        ? api.resolutions.map((value) => SIZE_FROM_RESOLUTION[value] ?? value)
        : ['1K'],
      n: api.n ?? { min: 1, max: 1 },
      inputReferences: api.inputReferences,
      seed: api.seed,
      outputFormats: api.outputFormats,
    };
  }
  const builtIn = imageCapabilities(model);
  const readsImages = entry ? entry.inputModalities.includes('image') : true;
  return {
    transport: 'chat',
    aspectRatios: builtIn.aspectRatios,
    imageSizes: builtIn.imageSizes,
    n: { min: 1, max: 1 },
    inputReferences: readsImages
      ? { min: 0, max: api?.inputReferences?.max ?? Number.POSITIVE_INFINITY }
      : undefined,
    seed: true,
    outputFormats: undefined,
  };
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
