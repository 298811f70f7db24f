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
  /** Fake-only: served on the Image API; absent = not listed by GET /images/models and 404 on POST /images. */
  imageApi?: FakeImageApi;
  /** Fake-only: false = Image-API-only model: left out of GET /models and 404 on /chat/completions (default true). */
  chat?: boolean;
  /** Fake-only: the upstream providers that serve it, in default routing order (default ['Fake OpenRouter']). */
  providers?: string[];
}

/**
 * What a model accepts on the Image API (`POST /images`), listed as its `supported_parameters`
 * on `GET /images/models`. A parameter left out is not supported: the fake answers 400 to it.
 */
export interface FakeImageApi {
  /** `aspect_ratio`, `{type:'enum', values}`. */
  aspectRatios: string[];
  /** `resolution`, `{type:'enum', values}`: tiers such as '512', '1K', '2K', '4K'. */
  resolutions: string[];
  /** `n`, `{type:'range', min, max}`: images per request. */
  n: { min: number; max: number };
  /** `input_references`, `{type:'range', min, max}`; absent = not supported. */
  inputReferences?: { min: number; max: number };
  /** true: `seed`, `{type:'range', min: 0, max: 4294967295}`; absent = not supported. */
  seed?: boolean;
  /** `output_format`, `{type:'enum', values}`; absent = not supported (the answer is PNG). */
  outputFormats?: string[];
  /** `quality`, `{type:'enum', values}`; absent = not supported. */
  quality?: string[];
  /** USD per generated image, listed as `pricing: { image: "<usd>" }` on the /images/models entry. */
  pricePerImage: string;
}

const textAndImage = { input_modalities: ['text', 'image'], output_modalities: ['image', 'text'] };
const imageOnly = { input_modalities: ['text', 'image'], output_modalities: ['image'] };
const googleProviders = ['Google Vertex', 'Google AI Studio'];
const webFormats = ['png', 'jpeg', 'webp'];
const fluxImageApi = {
  aspectRatios: [...standardAspectRatios],
  resolutions: ['1K', '2K'],
  // FLUX's providers make one image per request.
  n: { min: 1, max: 1 },
  inputReferences: { min: 0, max: 8 },
  seed: true,
  outputFormats: ['png', 'jpeg'],
};

/**
 * The built-in catalogue of chat-completion models (what `GET /models` lists); most of them are
 * also on the Image API. Google's prices are the published ones; the per-request prices of the
 * image-only models are invented (OpenRouter bills those per image, the exact figures do not
 * matter to a fake), as is everything about gemini-3.1-flash-image-preview's pricing.
 */
export const defaultFakeModels: readonly FakeModel[] = deepFreeze([
  {
    id: 'google/gemini-2.5-flash-image',
    name: 'Google: Gemini 2.5 Flash Image (Nano Banana)',
    architecture: textAndImage,
    pricing: { prompt: '0.0000003', completion: '0.0000025' },
    imageApi: {
      aspectRatios: [...standardAspectRatios],
      resolutions: [...standardImageSizes],
      n: { min: 1, max: 4 },
      inputReferences: { min: 0, max: 3 },
      seed: true,
      outputFormats: webFormats,
      pricePerImage: '0.039',
    },
    providers: googleProviders,
  },
  {
    id: 'google/gemini-3-pro-image-preview',
    name: 'Google: Nano Banana Pro (Gemini 3 Pro Image Preview)',
    architecture: textAndImage,
    pricing: { prompt: '0.000002', completion: '0.000012' },
    imageApi: {
      aspectRatios: [...standardAspectRatios],
      resolutions: [...standardImageSizes],
      n: { min: 1, max: 4 },
      inputReferences: { min: 0, max: 14 },
      seed: true,
      outputFormats: webFormats,
      pricePerImage: '0.134',
    },
    providers: googleProviders,
  },
  {
    id: 'google/gemini-3.1-flash-image-preview',
    name: 'Google: Nano Banana 2 (Gemini 3.1 Flash Image Preview)',
    architecture: textAndImage,
    pricing: { prompt: '0.0000005', completion: '0.000003' },
    aspectRatios: [...standardAspectRatios, ...extendedAspectRatios],
    imageSizes: ['0.5K', ...standardImageSizes],
    imageApi: {
      aspectRatios: [...standardAspectRatios, ...extendedAspectRatios],
      resolutions: ['512', ...standardImageSizes],
      n: { min: 1, max: 4 },
      inputReferences: { min: 0, max: 14 },
      seed: true,
      outputFormats: webFormats,
      pricePerImage: '0.067',
    },
  },
  {
    id: 'black-forest-labs/flux.2-pro',
    name: 'Black Forest Labs: FLUX.2 [pro]',
    architecture: imageOnly,
    pricing: { prompt: '0', completion: '0', request: '0.03' },
    imageApi: { ...fluxImageApi, pricePerImage: '0.03' },
  },
  {
    id: 'black-forest-labs/flux.2-flex',
    name: 'Black Forest Labs: FLUX.2 [flex]',
    architecture: imageOnly,
    pricing: { prompt: '0', completion: '0', request: '0.06' },
    imageApi: { ...fluxImageApi, pricePerImage: '0.06' },
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

/**
 * Models of the built-in catalogue that only the Image API serves (`chat: false`). Kept apart
 * from `defaultFakeModels`, which is exactly what `GET /models` lists.
 */
export const imageOnlyFakeModels: readonly FakeModel[] = deepFreeze([
  {
    id: 'openai/gpt-image-1',
    name: 'OpenAI: GPT Image 1',
    architecture: { input_modalities: ['text', 'image'], output_modalities: ['image'] },
    // Never used: the model is not served on chat completions.
    pricing: { prompt: '0', completion: '0' },
    chat: false,
    imageApi: {
      aspectRatios: ['1:1', '2:3', '3:2', 'auto'],
      resolutions: ['1K'],
      n: { min: 1, max: 10 },
      inputReferences: { min: 0, max: 16 },
      outputFormats: webFormats,
      quality: ['auto', 'low', 'medium', 'high'],
      pricePerImage: '0.042',
    },
  },
]);

/** What the fake serves unless told otherwise: `defaultFakeModels` and `imageOnlyFakeModels`. */
export const builtInFakeModels: readonly FakeModel[] = Object.freeze([
  ...defaultFakeModels,
  ...imageOnlyFakeModels,
]);

// One fixed date keeps `GET /models` byte-for-byte stable between runs.
export const listedSince = 1_750_000_000;
const contextLength = 32_768;

/** The models `GET /models` lists and `POST /chat/completions` serves. */
export function chatModels(models: readonly FakeModel[]): FakeModel[] {
  return models.filter((model) => model.chat !== false);
}

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
