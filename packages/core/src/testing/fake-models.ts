import {
  extendedAspectRatios,
  standardAspectRatios,
  standardImageSizes,
} from './image-dimensions.js';

/** A model of the fake's catalogue, shaped like an entry of OpenRouter's `GET /models`. */
export interface FakeModel {
  id: string;
  name: string;
  architecture: { input_modalities: string[]; output_modalities: string[]; modality?: string };
  /** USD per token (per request / per input image for `request` / `image`), as strings. */
  pricing: { prompt: string; completion: string; request?: string; image?: string };
  /** Fake-only: the `image_config.aspect_ratio` values accepted (default: the ten standard ones). */
  aspectRatios?: string[];
  /** Fake-only: the `image_config.image_size` values accepted (default: 1K, 2K, 4K). */
  imageSizes?: string[];
}

const textAndImage = { input_modalities: ['text', 'image'], output_modalities: ['image', 'text'] };
const imageOnly = { input_modalities: ['text', 'image'], output_modalities: ['image'] };

/**
 * The built-in catalogue. Google's prices are the published ones; the per-request prices of the
 * image-only models are invented (OpenRouter bills those per image, the exact figures do not
 * matter to a fake), as is everything about gemini-3.1-flash-image-preview's pricing.
 */
export const defaultFakeModels: readonly FakeModel[] = deepFreeze([
  {
    id: 'google/gemini-2.5-flash-image',
    name: 'Google: Gemini 2.5 Flash Image (Nano Banana)',
    architecture: textAndImage,
    pricing: { prompt: '0.0000003', completion: '0.0000025' },
  },
  {
    id: 'google/gemini-3-pro-image-preview',
    name: 'Google: Nano Banana Pro (Gemini 3 Pro Image Preview)',
    architecture: textAndImage,
    pricing: { prompt: '0.000002', completion: '0.000012' },
  },
  {
    id: 'google/gemini-3.1-flash-image-preview',
    name: 'Google: Nano Banana 2 (Gemini 3.1 Flash Image Preview)',
    architecture: textAndImage,
    pricing: { prompt: '0.0000005', completion: '0.000003' },
    aspectRatios: [...standardAspectRatios, ...extendedAspectRatios],
    imageSizes: ['0.5K', ...standardImageSizes],
  },
  {
    id: 'black-forest-labs/flux.2-pro',
    name: 'Black Forest Labs: FLUX.2 [pro]',
    architecture: imageOnly,
    pricing: { prompt: '0', completion: '0', request: '0.03' },
  },
  {
    id: 'black-forest-labs/flux.2-flex',
    name: 'Black Forest Labs: FLUX.2 [flex]',
    architecture: imageOnly,
    pricing: { prompt: '0', completion: '0', request: '0.06' },
  },
  {
    id: 'sourceful/riverflow-v2-fast',
    name: 'Sourceful: Riverflow V2 Fast',
    architecture: imageOnly,
    pricing: { prompt: '0', completion: '0', request: '0.02' },
  },
  {
    id: 'openai/gpt-4o-mini',
    name: 'OpenAI: GPT-4o-mini',
    architecture: { input_modalities: ['text', 'image'], output_modalities: ['text'] },
    pricing: { prompt: '0.00000015', completion: '0.0000006' },
  },
]);

// One fixed date keeps `GET /models` byte-for-byte stable between runs.
const listedSince = 1_750_000_000;
const contextLength = 32_768;

/** The public `GET /models` entry of a model; the fake-only knobs stay private. */
export function modelListEntry(model: FakeModel): Record<string, unknown> {
  const { input_modalities, output_modalities } = model.architecture;
  return {
    id: model.id,
    canonical_slug: model.id,
    name: model.name,
    created: listedSince,
    description: `${model.name}, served by the headerforge fake OpenRouter.`,
    context_length: contextLength,
    architecture: {
      modality:
        model.architecture.modality ??
        `${input_modalities.join('+')}->${output_modalities.join('+')}`,
      input_modalities,
      output_modalities,
      tokenizer: 'Other',
      instruct_type: null,
    },
    pricing: {
      prompt: model.pricing.prompt,
      completion: model.pricing.completion,
      request: model.pricing.request ?? '0',
      image: model.pricing.image ?? '0',
    },
    top_provider: {
      context_length: contextLength,
      max_completion_tokens: 8192,
      is_moderated: false,
    },
    per_request_limits: null,
    supported_parameters: ['max_tokens', 'seed', 'temperature', 'top_p'],
  };
}

/**
 * OpenRouter's `?output_modalities=` filter: a comma-separated list, every listed modality must
 * be among the model's outputs; absent, empty or `all` lists everything.
 */
export function filterByOutputModalities(
  models: readonly FakeModel[],
  outputModalities: string | undefined,
): FakeModel[] {
  const wanted = (outputModalities ?? '')
    .split(',')
    .map((modality) => modality.trim().toLowerCase())
    .filter((modality) => modality !== '');
  if (wanted.length === 0 || wanted.includes('all')) return [...models];
  return models.filter((model) =>
    wanted.every((modality) => model.architecture.output_modalities.includes(modality)),
  );
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const nested of Object.values(value)) deepFreeze(nested);
  }
  return value;
}
