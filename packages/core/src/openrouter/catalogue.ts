import type { HeaderforgeError } from '../errors/headerforge-error.js';
import { errorForStatus } from './classify.js';
import { excerpt } from './redact.js';
import {
  ImageApiModelsResponseSchema,
  type ImageApiParameter,
  ModelsResponseSchema,
} from './schemas.js';

/** What `GET /images/models` says the Image API accepts for a model; an absent field is not supported. */
export interface ImageApiSupport {
  aspectRatios?: string[];
  resolutions?: string[];
  n?: Range;
  inputReferences?: Range;
  seed: boolean;
  outputFormats?: string[];
  quality?: string[];
  /** USD per generated image, from the entry's `pricing.image`, when it gives one. */
  pricePerImageUsd?: number;
}

export interface Range {
  min: number;
  max: number;
}

export interface ImageModel {
  id: string;
  name: string;
  inputModalities: string[];
  outputModalities: string[];
  /** USD per unit, as OpenRouter sends them (strings), e.g. `{ prompt: "0.0000003" }`. */
  pricing: Record<string, string>;
  /** Listed by `GET /models?output_modalities=image`: chat completions can make its images. */
  chat: boolean;
  /** Listed by `GET /images/models`: what the Image API accepts for it. */
  imageApi?: ImageApiSupport;
}

/** Both model lists, merged by id. A list that could not be read leaves its error instead. */
export interface ModelCatalogue {
  models: ImageModel[];
  /** `/models` could not be read: which models chat completions serves is unknown. */
  chatError?: HeaderforgeError | Error;
  /** `/images/models` could not be read (a 404 is no error: the server has no Image API). */
  imagesError?: HeaderforgeError | Error;
}

export interface CatalogueRequest {
  baseURL: string;
  apiKey: string | undefined;
  headers: Record<string, string>;
  fetch: typeof fetch;
  timeoutMs: number;
}

// One fetch of each list per base URL per process: the catalogue changes slowly and every
// generation needs it, so a build of 200 posts asks once.
const catalogues = new Map<string, Promise<ModelCatalogue>>();

export function loadImageModelCatalogue(request: CatalogueRequest): Promise<ModelCatalogue> {
  let pending = catalogues.get(request.baseURL);
  if (!pending) {
    pending = Promise.all([fetchChatModels(request), fetchImageApiModels(request)]).then(
      ([chat, images]) => mergeCatalogues(chat, images),
    );
    catalogues.set(request.baseURL, pending);
  }
  return pending;
}

type Listing<T> = { ok: true; entries: T[] } | { ok: false; error: HeaderforgeError | Error };
type ImageApiEntry = Omit<ImageModel, 'chat' | 'pricing'> & { imageApi: ImageApiSupport };

async function fetchJson(
  request: CatalogueRequest,
  url: string,
  options: { missingIsEmpty: boolean },
): Promise<{ ok: true; json: unknown } | { ok: false; error: HeaderforgeError | Error }> {
  const context = { baseURL: request.baseURL, apiKey: request.apiKey };
  try {
    const response = await request.fetch(url, {
      headers: request.headers,
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const text = await response.text();
    if (response.status === 404 && options.missingIsEmpty) return { ok: true, json: { data: [] } };
    if (!response.ok) return { ok: false, error: errorForStatus(response.status, text, context) };
    try {
      return { ok: true, json: JSON.parse(text) };
    } catch {
      throw new Error(`GET ${url} did not return JSON: ${excerpt(text, request.apiKey)}`);
    }
  } catch (error) {
    return { ok: false, error: error as Error };
  }
}

async function fetchChatModels(request: CatalogueRequest): Promise<Listing<ImageModel>> {
  const url = `${request.baseURL}/models?output_modalities=image`;
  const got = await fetchJson(request, url, { missingIsEmpty: false });
  if (!got.ok) return got;
  const parsed = ModelsResponseSchema.safeParse(got.json);
  if (!parsed.success) {
    return { ok: false, error: new Error(`GET ${url} returned an unexpected shape`) };
  }
  const entries = parsed.data.data
    .map((entry) => ({
      id: entry.id,
      name: entry.name ?? entry.id,
      inputModalities: entry.architecture?.input_modalities ?? [],
      outputModalities: entry.architecture?.output_modalities ?? [],
      pricing: stringPrices(entry.pricing),
      chat: true,
    }))
    .filter((model) => model.outputModalities.includes('image'));
  return { ok: true, entries };
}

async function fetchImageApiModels(request: CatalogueRequest): Promise<Listing<ImageApiEntry>> {
  const url = `${request.baseURL}/images/models`;
  // A server without the Image API (an older proxy, a self-hosted gateway) answers 404.
  const got = await fetchJson(request, url, { missingIsEmpty: true });
  if (!got.ok) return got;
  const parsed = ImageApiModelsResponseSchema.safeParse(got.json);
  if (!parsed.success) {
    return { ok: false, error: new Error(`GET ${url} returned an unexpected shape`) };
  }
  const entries = parsed.data.data.map((entry) => ({
    id: entry.id,
    name: entry.name ?? entry.id,
    inputModalities: entry.architecture?.input_modalities ?? [],
    outputModalities: entry.architecture?.output_modalities ?? ['image'],
    imageApi: imageApiSupport(entry.supported_parameters ?? {}, entry.pricing ?? {}),
  }));
  return { ok: true, entries };
}

function imageApiSupport(
  parameters: Record<string, ImageApiParameter>,
  pricing: Record<string, string | number | null>,
): ImageApiSupport {
  const values = (name: string) => {
    const parameter = parameters[name] as { type?: unknown; values?: string[] } | undefined;
    return parameter?.type === 'enum' ? parameter.values : undefined;
  };
  const range = (name: string): Range | undefined => {
    const parameter = parameters[name] as
      | { type?: unknown; min?: number; max?: number }
      | undefined;
    if (parameter === undefined) return undefined;
    if (parameter?.type !== 'range') return { min: 0, max: Number.POSITIVE_INFINITY };
    return { min: parameter.min ?? 0, max: parameter.max ?? Number.POSITIVE_INFINITY };
  };
  const support: ImageApiSupport = { seed: parameters.seed !== undefined };
  const set = <K extends keyof ImageApiSupport>(key: K, value: ImageApiSupport[K] | undefined) => {
    if (value !== undefined) support[key] = value;
  };
  set('aspectRatios', values('aspect_ratio'));
  set('resolutions', values('resolution'));
  set('n', range('n'));
  set('inputReferences', range('input_references'));
  set('outputFormats', values('output_format'));
  set('quality', values('quality'));
  const price = Number(pricing.image ?? Number.NaN);
  if (Number.isFinite(price) && price > 0) support.pricePerImageUsd = price;
  return support;
}

function mergeCatalogues(
  chat: Listing<ImageModel>,
  images: Listing<ImageApiEntry>,
): ModelCatalogue {
  const byId = new Map<string, ImageModel>();
  for (const model of chat.ok ? chat.entries : []) byId.set(model.id, model);
  for (const entry of images.ok ? images.entries : []) {
    const known = byId.get(entry.id);
    if (known) known.imageApi = entry.imageApi;
    else byId.set(entry.id, { ...entry, pricing: {}, chat: false });
  }
  const catalogue: ModelCatalogue = { models: [...byId.values()] };
  if (!chat.ok) catalogue.chatError = chat.error;
  if (!images.ok) catalogue.imagesError = images.error;
  return catalogue;
}

function stringPrices(
  pricing: Record<string, string | number | null> | null | undefined,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(pricing ?? {})
      .filter(([, value]) => value != null)
      .map(([key, value]) => [key, String(value)]),
  );
}
