import { z } from 'zod';
import type { FakeModel } from './fake-models.js';
import { imageDimensions } from './image-dimensions.js';
import { type ImageApiModel, imageApiModels, maxSeed } from './image-models.js';
import { providerPreferencesSchema, routeProvider } from './provider-routing.js';
import type { ArtFormat } from './render-art.js';
import { errorReply, type Reply } from './reply.js';
import { checkOption } from './request-checks.js';
import { countTokens } from './usage.js';

// Lenient like OpenRouter: unknown fields pass. The catalogue-dependent checks come after.
const modelSchema = z.looseObject({ model: z.string().min(1) });
const referenceUrl = /^(?:data:image\/[\w.+-]+;base64,|https?:\/\/)/i;
const imagesBodySchema = z.looseObject({
  prompt: z.string().refine((prompt) => prompt.trim() !== '', 'prompt must be a non-empty string'),
  input_references: z
    .array(
      z.looseObject({
        type: z.literal('image_url'),
        image_url: z.looseObject({
          url: z.string().regex(referenceUrl, 'expected a data:image/…;base64, or http(s) URL'),
        }),
      }),
    )
    .nullish(),
  provider: providerPreferencesSchema.nullish(),
});

type ImagesBody = z.infer<typeof imagesBodySchema> & Record<string, unknown>;

/** A `POST /images` request that OpenRouter would accept, reduced to what the fake needs. */
export interface ImagesRequest {
  model: ImageApiModel;
  /** The upstream provider that answers. */
  provider: string;
  prompt: string;
  /** How many images to make. */
  n: number;
  seed: number | undefined;
  width: number;
  height: number;
  format: ArtFormat;
  /** `image/png`, `image/jpeg` or `image/webp`. */
  mediaType: string;
  promptTokens: number;
}

export type ParsedImages = { ok: true; request: ImagesRequest } | { ok: false; reply: Reply };

/**
 * The parameters a model may not support: the fake refuses them (OpenRouter may just drop them)
 * so that a client that sends one without checking `supported_parameters` is caught by tests.
 */
const optionalParameters = {
  seed: (model) => model.imageApi.seed === true,
  output_format: (model) => model.imageApi.outputFormats !== undefined,
  quality: (model) => model.imageApi.quality !== undefined,
  input_references: (model) => model.imageApi.inputReferences !== undefined,
} satisfies Record<string, (model: ImageApiModel) => boolean>;

/**
 * Validates a `POST /images` body against the model's `supported_parameters`, in OpenRouter's
 * order: JSON, model, prompt, then each parameter. `null` counts as absent.
 */
export function parseImagesRequest(body: unknown, models: readonly FakeModel[]): ParsedImages {
  if (body === undefined) return fail(errorReply(400, 'Invalid JSON in request body'));
  const named = modelSchema.safeParse(body);
  if (!named.success) return fail(invalidBody(named.error, body));
  const id = named.data.model;
  const model = imageApiModels(models).find((candidate) => candidate.id === id);
  if (model === undefined) {
    return fail(errorReply(404, `No endpoints found for ${id} on the Image API`));
  }
  const parsed = imagesBodySchema.safeParse(body);
  if (!parsed.success) return fail(invalidBody(parsed.error, body));
  const images = parsed.data as ImagesBody;

  for (const [param, supports] of Object.entries(optionalParameters)) {
    const value = images[param];
    if (value != null && !supports(model)) {
      return fail(
        errorReply(400, `${model.id} does not support ${param} on the Image API`, {
          // References are counted, not echoed: their data URLs would bloat any log of the error.
          metadata: { param, value: Array.isArray(value) ? value.length : value },
        }),
      );
    }
  }
  const checked = checkParameters(images, model);
  if (!checked.ok) return checked;
  const provider = routeProvider(model, images.provider);
  if (typeof provider !== 'string') return fail(provider);
  return { ok: true, request: { ...checked.request, provider } };
}

function checkParameters(
  images: ImagesBody,
  model: ImageApiModel,
): { ok: true; request: Omit<ImagesRequest, 'provider'> } | { ok: false; reply: Reply } {
  const size = checkPixels(images, model);
  if (!('width' in size)) return fail(size);
  const refused =
    checkCount(images.n ?? 1, model) ??
    checkReferences(images.input_references?.length ?? 0, model) ??
    checkSeed(images.seed ?? undefined);
  if (refused !== undefined) return fail(refused);
  const api = model.imageApi;
  const format = checkOption(
    'output_format',
    images.output_format ?? 'png',
    api.outputFormats ?? ['png'],
  );
  if (typeof format !== 'string') return fail(format);
  if (images.quality != null) {
    const quality = checkOption('quality', images.quality, api.quality ?? []);
    if (typeof quality !== 'string') return fail(quality);
  }

  const encoding = artFormat(format);
  return {
    ok: true,
    request: {
      model,
      prompt: images.prompt,
      n: Number(images.n ?? 1),
      seed: images.seed == null ? undefined : Number(images.seed),
      ...size,
      format: encoding,
      mediaType: `image/${encoding}`,
      promptTokens: countTokens(images.prompt),
    },
  };
}

/** The pixel size asked for by `aspect_ratio`, `resolution` and `size` together. */
function checkPixels(
  images: ImagesBody,
  model: ImageApiModel,
): { width: number; height: number } | Reply {
  const api = model.imageApi;
  const aspectRatio = checkOption(
    'aspect_ratio',
    images.aspect_ratio ?? preferred(api.aspectRatios, '1:1'),
    api.aspectRatios,
  );
  if (typeof aspectRatio !== 'string') return aspectRatio;
  const givenResolution = images.resolution ?? undefined;
  if (givenResolution !== undefined) {
    const resolution = checkOption('resolution', givenResolution, api.resolutions);
    if (typeof resolution !== 'string') return resolution;
  }
  const resolution = resolveSize(images.size ?? undefined, aspectRatio, givenResolution, model);
  return typeof resolution === 'string' ? pixels(aspectRatio, resolution) : resolution;
}

/**
 * The resolution tier a request asks for: `size` may name a tier, or explicit pixels that must be
 * what the aspect ratio makes at the resolution (any listed one when `resolution` is not given).
 */
function resolveSize(
  size: unknown,
  aspectRatio: string,
  givenResolution: unknown,
  model: ImageApiModel,
): string | Reply {
  const { resolutions } = model.imageApi;
  const fallback = preferred(resolutions, '1K');
  if (size === undefined) return typeof givenResolution === 'string' ? givenResolution : fallback;
  const tiers = typeof givenResolution === 'string' ? [givenResolution] : resolutions;
  if (typeof size === 'string' && tiers.includes(size)) return size;
  const tierOfPixels = tiers.find((tier) => {
    const { width, height } = pixels(aspectRatio, tier);
    return size === `${width}x${height}`;
  });
  if (tierOfPixels !== undefined) return tierOfPixels;
  const allowed = [
    ...tiers,
    ...tiers.map((tier) => {
      const { width, height } = pixels(aspectRatio, tier);
      return `${width}x${height}`;
    }),
  ];
  const at = typeof givenResolution === 'string' ? ` and resolution ${givenResolution}` : '';
  return errorReply(
    400,
    `Invalid option for size: '${String(size)}'. With aspect_ratio ${aspectRatio}${at} expected one of ${allowed.join(', ')}`,
    { metadata: { param: 'size', value: size, allowed } },
  );
}

function checkCount(n: unknown, model: ImageApiModel): Reply | undefined {
  const { min, max } = model.imageApi.n;
  if (Number.isInteger(n) && Number(n) >= min && Number(n) <= max) return undefined;
  if (max === 1 && Number.isInteger(n) && Number(n) > 1) {
    return errorReply(
      400,
      `${model.id} supports only n=1: its provider makes one image per request`,
      {
        metadata: { param: 'n', value: n, allowed: { min, max } },
      },
    );
  }
  return invalidValue('n', n, `an integer from ${min} to ${max}`, { min, max });
}

function checkReferences(count: number, model: ImageApiModel): Reply | undefined {
  const range = model.imageApi.inputReferences;
  if (range === undefined || (count >= range.min && count <= range.max)) return undefined;
  const [bound, limit] =
    count < range.min ? ['requires at least', range.min] : ['accepts at most', range.max];
  return errorReply(
    400,
    `${model.id} ${bound} ${limit} input reference${limit === 1 ? '' : 's'}, got ${count}`,
    { metadata: { param: 'input_references', value: count, allowed: range } },
  );
}

function checkSeed(seed: unknown): Reply | undefined {
  if (seed === undefined) return undefined;
  if (Number.isInteger(seed) && Number(seed) >= 0 && Number(seed) <= maxSeed) return undefined;
  return invalidValue('seed', seed, `an integer from 0 to ${maxSeed}`, { min: 0, max: maxSeed });
}

function invalidValue(
  param: string,
  value: unknown,
  expected: string,
  allowed: { min: number; max: number },
): Reply {
  return errorReply(
    400,
    `Invalid value for ${param}: ${JSON.stringify(value)}. Expected ${expected}`,
    {
      metadata: { param, value, allowed },
    },
  );
}

/** Pixels of an Image API tier: '512' is OpenRouter's name for half of 1K. */
function pixels(aspectRatio: string, resolution: string) {
  return imageDimensions(aspectRatio, resolution === '512' ? '0.5K' : resolution);
}

function artFormat(outputFormat: string): ArtFormat {
  // A custom catalogue may list formats the fake cannot encode (svg): those answer PNG.
  return outputFormat === 'jpeg' || outputFormat === 'webp' ? outputFormat : 'png';
}

function preferred(values: readonly string[], usual: string): string {
  return values.includes(usual) ? usual : (values[0] ?? usual);
}

function invalidBody(error: z.ZodError, body: unknown): Reply {
  const path = error.issues[0]?.path ?? [];
  let value: unknown = body;
  for (const key of path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
  return errorReply(400, `Invalid request body: ${z.prettifyError(error)}`, {
    metadata: { param: path.join('.'), value: excerpt(value) },
  });
}

/**
 * A value fit to echo in an error: a bad reference may hold a long data URL, which would bloat
 * any log of the error, so long strings keep their start and objects are left out.
 */
function excerpt(value: unknown): unknown {
  if (typeof value === 'string') return value.length > 100 ? `${value.slice(0, 60)}…` : value;
  return typeof value === 'object' && value !== null ? undefined : value;
}

function fail(reply: Reply): { ok: false; reply: Reply } {
  return { ok: false, reply };
}
