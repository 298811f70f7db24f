import { setTimeout as sleep } from 'node:timers/promises';
import { causeChain } from '../errors/cause-chain.js';
import { HeaderforgeError, isHeaderforgeError } from '../errors/headerforge-error.js';
import type { VerifiedImage } from '../image/inspect.js';
import type { ImageMediaType } from '../image/media-types.js';
import type { AspectRatio, ImageSize } from '../image/ratios.js';
import type { Answer, AnswerImage } from './answer.js';
import { boundedChunks, readBodyBounded } from './body.js';
import { type ImageModel, loadImageModelCatalogue, type ModelCatalogue } from './catalogue.js';
import { type ErrorContext, errorForBody, errorForStatus } from './classify.js';
import {
  DEFAULT_APP_NAME,
  DEFAULT_BASE_URL,
  DEFAULT_COST_LOOKUP_DELAYS_MS,
  DEFAULT_MAX_PIXELS,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_MAX_RETRIES,
  DEFAULT_MAX_RETRY_DELAY_MS,
  DEFAULT_MAX_TOKENS,
  DEFAULT_RETRY_BASE_DELAY_MS,
  DEFAULT_TIMEOUT_MS,
  type OpenRouterClientOptions,
} from './client-options.js';
import { decodeBase64, decodeDataUrl, verifyImage } from './image-data.js';
import { parseImagesResponse } from './images-reply.js';
import { acceptedBy, FALLBACK_OUTPUT_MODALITIES, requestModalities } from './model-capabilities.js';
import { excerpt, redact, safeCause } from './redact.js';
import { parseCompletion, parseStream, type Reply } from './reply.js';
import {
  type BodyInput,
  chatBody,
  checkReferences,
  type InputReference,
  imagesBody,
  type ProviderPreferences,
  referenceUrls,
} from './request-body.js';
import { checkRequest } from './request-check.js';
import { backoffDelay, parseRetryAfter } from './retry.js';
import { GenerationStatsSchema } from './schemas.js';
import {
  ENDPOINT_OF,
  parseTransportChoice,
  resolveTransport,
  type Transport,
  type TransportChoice,
} from './transport.js';

// The options, their defaults and their documentation live in client-options.ts.
export {
  DEFAULT_BASE_URL,
  DEFAULT_MAX_RETRIES,
  DEFAULT_MAX_TOKENS,
  DEFAULT_TIMEOUT_MS,
  type OpenRouterClientOptions,
} from './client-options.js';

export interface RetryEvent {
  model: string;
  /** The attempt that failed, from 1. */
  attempt: number;
  delayMs: number;
  error: HeaderforgeError;
}

export interface GenerateImageRequest {
  prompt: string;
  model: string;
  /** Default `16:9`. */
  aspectRatio?: AspectRatio;
  /** Default `1K`. */
  imageSize?: ImageSize;
  seed?: number;
  /** Chat completions only: receive the answer as server-sent events. */
  stream?: boolean;
  signal?: AbortSignal;
  /** Which endpoint makes the image; default the client's `transport` (`auto`). */
  transport?: TransportChoice;
  /** Images in one request (Image API models that accept it); default 1. */
  n?: number;
  /** Reference images for style or image-to-image. */
  inputReferences?: InputReference[];
  /** Image API only: the format to answer in, among those the model lists. */
  outputFormat?: 'png' | 'jpeg' | 'webp';
  /** Provider routing; default the client's `provider`. */
  provider?: ProviderPreferences;
}

/** One image of an answer, verified. */
export interface AnswerImageFile {
  bytes: Uint8Array;
  mediaType: ImageMediaType;
  width: number;
  height: number;
}

/** The answer to `generateImage`: its first image's fields, and every image of the answer. */
export interface GeneratedImage extends AnswerImageFile {
  /** Every usable image of the answer, the first one included. Fewer than `n` when the provider made fewer. */
  images: AnswerImageFile[];
  /** Images of the answer that were paid for but failed verification; keep them. */
  refused?: Array<{ bytes: Uint8Array; problem: string }>;
  /** How many images the answer held beyond the `n` asked for: neither decoded nor kept. */
  unasked?: number;
  text?: string;
  usage?: { promptTokens?: number; completionTokens?: number; cost?: number };
  generationId?: string;
  model: string;
  /** The endpoint that made it. */
  transport: Transport;
  /** The upstream provider that served it, when the answer says. */
  servedBy?: string;
}

/** Where a request for a model would go, and what the catalogue knows of the model. */
export interface Route {
  transport: Transport;
  entry: ImageModel | undefined;
}

export interface OpenRouterClient {
  readonly baseURL: string;
  /** The `max_tokens` sent with chat completions (the most a chat answer can bill for). */
  readonly maxTokens: number;
  /** The most bytes an answer's body may have before it is refused. */
  readonly maxResponseBytes: number;
  generateImage(request: GenerateImageRequest): Promise<GeneratedImage>;
  /** The image models of both endpoints, merged; fails when neither list can be read. */
  listImageModels(options?: { signal?: AbortSignal }): Promise<ImageModel[]>;
  /** Both model lists as read (once per process), with the reason a list is missing. */
  modelCatalogue(): Promise<ModelCatalogue>;
  /**
   * Checks a request as `generateImage` does before paying (the model, its endpoint, every
   * value against what the model accepts) without sending it: where it would go, or the error.
   */
  preflight(request: GenerateImageRequest): Promise<Route>;
}

interface ResolvedOptions {
  apiKey: string | undefined;
  baseURL: string;
  timeoutMs: number;
  maxRetries: number;
  fetch: typeof fetch;
  retryBaseDelayMs: number;
  maxRetryDelayMs: number;
  maxTokens: number;
  maxResponseBytes: number;
  maxPixels: number;
  headers: Record<string, string>;
  onRetry: ((event: RetryEvent) => void) | undefined;
  transport: TransportChoice;
  provider: ProviderPreferences | undefined;
  costLookupDelaysMs: readonly number[];
}

export function createOpenRouterClient(options: OpenRouterClientOptions = {}): OpenRouterClient {
  const resolved = resolveOptions(options);
  const catalogue = () =>
    loadImageModelCatalogue({
      baseURL: resolved.baseURL,
      apiKey: resolved.apiKey,
      headers: resolved.headers,
      fetch: resolved.fetch,
      timeoutMs: Math.min(resolved.timeoutMs, 30_000),
    });
  return {
    baseURL: resolved.baseURL,
    maxTokens: resolved.maxTokens,
    maxResponseBytes: resolved.maxResponseBytes,
    generateImage: (request) => generateImage(resolved, catalogue, request),
    listImageModels: async () => {
      const result = await catalogue();
      if (result.chatError && result.imagesError) {
        throw catalogueError(result.chatError, resolved);
      }
      if (result.chatError && result.models.every((model) => !model.chat)) {
        throw catalogueError(result.chatError, resolved);
      }
      return result.models;
    },
    modelCatalogue: catalogue,
    preflight: async (request) => (await prepare(resolved, catalogue, request)).route,
  };
}

function resolveOptions(options: OpenRouterClientOptions): ResolvedOptions {
  const apiKey = (options.apiKey ?? process.env.OPENROUTER_API_KEY)?.trim() || undefined;
  const rawBase = options.baseURL ?? process.env.OPENROUTER_BASE_URL ?? DEFAULT_BASE_URL;
  let baseURL: string;
  try {
    baseURL = new URL(rawBase).href.replace(/\/+$/, '');
  } catch {
    throw new HeaderforgeError('invalid_request', `baseURL "${rawBase}" is not a URL`, {
      hint: `Set baseURL / OPENROUTER_BASE_URL to the API root, e.g. ${DEFAULT_BASE_URL}.`,
    });
  }
  const headers: Record<string, string> = { 'X-Title': options.appName ?? DEFAULT_APP_NAME };
  if (options.siteUrl) headers['HTTP-Referer'] = options.siteUrl;
  for (const name of ['timeoutMs', 'maxRetries', 'maxTokens'] as const) {
    const value = options[name];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
      throw new HeaderforgeError(
        'invalid_request',
        `${name} must be a whole number ≥ 0, got ${value}`,
      );
    }
  }
  const lookup = options.lookupCost ?? false;
  return {
    apiKey,
    baseURL,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    fetch: options.fetch ?? globalThis.fetch,
    retryBaseDelayMs: options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS,
    maxRetryDelayMs: options.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS,
    maxTokens: options.maxTokens ?? DEFAULT_MAX_TOKENS,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS,
    headers,
    onRetry: options.onRetry,
    transport:
      options.transport === undefined
        ? 'auto'
        : parseTransportChoice(options.transport, 'transport'),
    provider: options.provider,
    costLookupDelaysMs:
      lookup === false ? [] : lookup === true ? DEFAULT_COST_LOOKUP_DELAYS_MS : lookup.delaysMs,
  };
}

/** What one attempt sends, and where. */
interface Exchange {
  transport: Transport;
  body: Record<string, unknown>;
  stream: boolean;
  n: number;
}

/** A request checked against the catalogue: where it goes, and what it asks. Nothing is sent. */
interface Prepared {
  route: Route;
  input: Omit<BodyInput, 'references'>;
  outputModalities: readonly string[];
}

async function prepare(
  options: ResolvedOptions,
  catalogue: () => Promise<ModelCatalogue>,
  request: GenerateImageRequest,
): Promise<Prepared> {
  const { model, prompt } = request;
  if (typeof prompt !== 'string' || prompt.trim() === '') {
    throw new HeaderforgeError('invalid_request', `The prompt for ${model} is empty`, {
      hint: 'Give the header a prompt describing the image.',
    });
  }
  const n = request.n ?? 1;
  if (!Number.isInteger(n) || n < 1) {
    throw new HeaderforgeError('invalid_request', `n must be a whole number ≥ 1, got ${n}`);
  }
  const models = await catalogue();
  const choice =
    request.transport === undefined
      ? options.transport
      : parseTransportChoice(request.transport, 'transport');
  const route = resolveTransport(choice, model, models, options.baseURL);
  const { transport, entry } = route;
  const outputModalities =
    transport === 'chat' ? chatOutputModalities(model, entry, models) : ['image'];
  checkReferences(request.inputReferences);
  const input = {
    model,
    prompt,
    aspectRatio: request.aspectRatio ?? '16:9',
    imageSize: request.imageSize ?? '1K',
    n,
    seed: request.seed,
    outputFormat: request.outputFormat,
    provider: request.provider ?? options.provider,
  };
  checkRequest(model, acceptedBy(model, entry, transport), {
    ...input,
    references: request.inputReferences?.length ?? 0,
  });
  return { route, input, outputModalities };
}

/** What one attempt sends for a prepared request, and the context its errors name. */
function exchangeFor(
  options: ResolvedOptions,
  { route, input: checked, outputModalities }: Prepared,
  request: GenerateImageRequest,
): { exchange: Exchange; context: ErrorContext } {
  const { transport, entry } = route;
  const input: BodyInput = { ...checked, references: referenceUrls(request.inputReferences) };
  const stream = transport === 'chat' && (request.stream ?? false);
  const exchange: Exchange = {
    transport,
    n: input.n,
    stream,
    body:
      transport === 'images'
        ? imagesBody(input, { resolution: entry?.imageApi?.resolutions !== undefined })
        : chatBody(input, {
            modalities: requestModalities(outputModalities),
            maxTokens: options.maxTokens,
            stream,
          }),
  };
  const context: ErrorContext = {
    model: input.model,
    baseURL: options.baseURL,
    apiKey: options.apiKey,
    endpoint: ENDPOINT_OF[transport],
  };
  return { exchange, context };
}

async function generateImage(
  options: ResolvedOptions,
  catalogue: () => Promise<ModelCatalogue>,
  request: GenerateImageRequest,
): Promise<GeneratedImage> {
  const { model } = request;
  if (!options.apiKey) {
    throw new HeaderforgeError('auth', 'No OpenRouter API key: OPENROUTER_API_KEY is not set', {
      hint: 'Set OPENROUTER_API_KEY in the environment or in .env (keys: https://openrouter.ai/settings/keys), or build in placeholder mode.',
    });
  }
  const prepared = await prepare(options, catalogue, request);
  const { exchange, context } = exchangeFor(options, prepared, request);

  for (let attempt = 1; ; attempt++) {
    try {
      const image = await attemptGeneration(options, context, exchange, request.signal);
      return await withLookedUpCost(options, image, request.signal);
    } catch (error) {
      if (!isHeaderforgeError(error) || !error.retryable || attempt > options.maxRetries) {
        throw error;
      }
      const delayMs =
        error.retryAfterMs ??
        backoffDelay(attempt - 1, options.retryBaseDelayMs, options.maxRetryDelayMs);
      if (delayMs > options.maxRetryDelayMs) {
        throw new HeaderforgeError(
          error.code,
          `${error.message} (the server asked to wait ${Math.ceil(delayMs / 1000)} s, more than maxRetryDelayMs)`,
          {
            retryable: true,
            retryAfterMs: delayMs,
            ...(error.status === undefined ? {} : { status: error.status }),
            ...(error.hint === undefined ? {} : { hint: error.hint }),
          },
        );
      }
      options.onRetry?.({ model, attempt, delayMs, error });
      await sleep(delayMs, undefined, request.signal ? { signal: request.signal } : {}).catch(
        () => {
          throw request.signal?.reason;
        },
      );
    }
  }
}

/** The modalities a chat request must ask for, from the catalogue or, without it, a built-in table. */
function chatOutputModalities(
  model: string,
  entry: ImageModel | undefined,
  catalogue: ModelCatalogue,
): readonly string[] {
  if (entry) return entry.outputModalities;
  if (catalogue.chatError) return FALLBACK_OUTPUT_MODALITIES[model] ?? ['image', 'text'];
  const known = catalogue.models.map((candidate) => candidate.id);
  throw new HeaderforgeError(
    'not_found',
    `Model "${model}" is not an image model on OpenRouter (not in GET /models?output_modalities=image)`,
    {
      hint: `Use one of: ${known.slice(0, 8).join(', ')}${known.length > 8 ? ', …' : ''}. \`headerforge models\` lists them all.`,
      scope: 'model',
    },
  );
}

/** One HTTP exchange, bounded by the per-attempt timeout and the caller's signal. */
async function attemptGeneration(
  options: ResolvedOptions,
  context: ErrorContext,
  exchange: Exchange,
  callerSignal: AbortSignal | undefined,
): Promise<GeneratedImage> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
  // Failures before any response byte are safe to retry; after that the request may be billed.
  const failed = (cause: unknown, phase: 'connect' | 'read'): unknown => {
    if (callerSignal?.aborted) return callerSignal.reason;
    if (isHeaderforgeError(cause)) return cause;
    if (timeout.aborted) {
      return new HeaderforgeError(
        'timeout',
        `OpenRouter did not ${phase === 'connect' ? 'answer' : 'finish the response'} for ${context.model} within ${options.timeoutMs / 1000} s`,
        { hint: 'Image generation can be slow; raise `timeoutMs` if this model needs longer.' },
      );
    }
    const detail = redact((cause as Error)?.message ?? String(cause), options.apiKey);
    return phase === 'connect'
      ? new HeaderforgeError(
          'upstream',
          `Could not reach ${options.baseURL} for ${context.model}: ${detail}`,
          {
            retryable: true,
            // Refused or not found (no server there at all): once every attempt failed, no
            // other request would fare better. A reset or a broken socket is this request's.
            ...(unreachable(cause) ? { scope: 'run' as const } : {}),
            cause: safeCause(cause, options.apiKey),
            hint: 'Check the network and OPENROUTER_BASE_URL.',
          },
        )
      : new HeaderforgeError(
          'upstream',
          `The connection broke while reading the response for ${context.model}: ${detail}`,
          {
            cause: safeCause(cause, options.apiKey),
            hint: 'Build again; images already generated are kept.',
          },
        );
  };

  let response: Response;
  try {
    response = await options.fetch(`${options.baseURL}${ENDPOINT_OF[exchange.transport]}`, {
      method: 'POST',
      headers: {
        ...options.headers,
        Authorization: `Bearer ${options.apiKey}`,
        'Content-Type': 'application/json',
        Accept: exchange.stream ? 'text/event-stream' : 'application/json',
      },
      body: JSON.stringify(exchange.body),
      signal,
    });
  } catch (cause) {
    throw failed(cause, 'connect');
  }

  try {
    if (!response.ok) {
      const text = await readBodyBounded(response.body, 1 << 20, 'The error body').then(
        (bytes) => new TextDecoder().decode(bytes),
        () => '',
      );
      throw errorForStatus(
        response.status,
        text,
        context,
        parseRetryAfter(response.headers.get('retry-after')),
      );
    }
    const answer = await readAnswer(options, exchange, response).catch((error: unknown) => {
      throw namingModel(context, error);
    });
    answer.id ??= response.headers.get('x-generation-id') ?? undefined;
    return await imagesFromAnswer(options, context, exchange, answer, signal);
  } catch (cause) {
    throw failed(cause, 'read');
  }
}

async function readAnswer(
  options: ResolvedOptions,
  exchange: Exchange,
  response: Response,
): Promise<Answer> {
  const isStream = (response.headers.get('content-type') ?? '').includes('text/event-stream');
  if (exchange.transport === 'chat' && isStream && response.body) {
    // A stream is bounded like a whole body: a runaway one must not take the build's memory.
    const chunks = boundedChunks(response.body, options.maxResponseBytes, 'The response stream');
    return answerOfReply(await parseStream(chunks, options.apiKey));
  }
  const bytes = await readBodyBounded(response.body, options.maxResponseBytes, 'The response');
  const text = new TextDecoder().decode(bytes);
  return exchange.transport === 'images'
    ? parseImagesResponse(text, options.apiKey)
    : answerOfReply(parseCompletion(text, options.apiKey));
}

function answerOfReply(reply: Reply & { done?: boolean }): Answer {
  const { imageUrls, ...rest } = reply;
  return { ...rest, images: imageUrls.map((url) => ({ url })) };
}

async function imagesFromAnswer(
  options: ResolvedOptions,
  context: ErrorContext,
  exchange: Exchange,
  answer: Answer,
  signal: AbortSignal,
): Promise<GeneratedImage> {
  if (answer.error) throw errorForBody(answer.error.body, context, answer.error.where);
  if (answer.images.length === 0) {
    if (answer.done === false) {
      throw new HeaderforgeError(
        'bad_response',
        `The stream for ${context.model} ended before any image or [DONE]`,
        {
          hint: 'The connection was cut mid-stream. Build again.',
        },
      );
    }
    throw noImage(options, context, exchange, answer);
  }
  const images: AnswerImageFile[] = [];
  const refused: HeaderforgeError[] = [];
  // Every image is decoded even after a bad one: the good ones of a paid answer are kept.
  for (const image of answer.images.slice(0, Math.max(exchange.n, 1))) {
    try {
      images.push(await decodeImage(options, context, image, signal));
    } catch (error) {
      if (!isHeaderforgeError(error) || error.code !== 'bad_response') throw error;
      refused.push(error);
    }
  }
  const [first] = images;
  if (!first) throw refused[0] as HeaderforgeError;
  const result: GeneratedImage = {
    ...first,
    images,
    model: answer.model ?? context.model ?? '',
    transport: exchange.transport,
  };
  const kept = refused.filter((error) => error.rejectedImage);
  if (kept.length > 0) {
    result.refused = kept.map((error) => ({
      bytes: error.rejectedImage as Uint8Array,
      problem: error.message,
    }));
  }
  const asked = Math.max(exchange.n, 1);
  if (answer.images.length > asked) result.unasked = answer.images.length - asked;
  if (answer.text) result.text = answer.text;
  if (answer.id) result.generationId = answer.id;
  if (answer.provider) result.servedBy = answer.provider;
  if (answer.usage) {
    const usage: NonNullable<GeneratedImage['usage']> = {};
    if (answer.usage.prompt_tokens !== undefined) usage.promptTokens = answer.usage.prompt_tokens;
    if (answer.usage.completion_tokens !== undefined)
      usage.completionTokens = answer.usage.completion_tokens;
    if (answer.usage.cost !== undefined) usage.cost = answer.usage.cost;
    result.usage = usage;
  }
  return result;
}

function noImage(
  options: ResolvedOptions,
  context: ErrorContext,
  exchange: Exchange,
  answer: Answer,
): HeaderforgeError {
  if (exchange.transport === 'images') {
    return new HeaderforgeError(
      'no_image',
      `${context.model} answered without an image (the Image API's "data" is empty)`,
      {
        hint: 'The provider made no image for this prompt (often a refusal). Reword the prompt, or try another model.',
      },
    );
  }
  const said = answer.text ? ` It said: "${excerpt(answer.text, options.apiKey, 200)}"` : '';
  return new HeaderforgeError(
    'no_image',
    `${context.model} answered without an image (finish_reason: ${answer.finishReason ?? 'none'}).${said}`,
    {
      hint: 'Check that the model lists "image" in its output modalities (`headerforge models`), that the request\'s modalities match them, and that the prompt asks for an image.',
    },
  );
}

function decodeImage(
  options: ResolvedOptions,
  context: ErrorContext,
  image: AnswerImage,
  signal: AbortSignal,
): Promise<VerifiedImage> {
  if ('url' in image) return fetchImage(options, context, image.url, signal);
  return labelled(context, async () => {
    const declared = image.mediaType?.toLowerCase();
    const bytes = decodeBase64(image.base64);
    return verifyImage(
      bytes,
      declared?.startsWith('image/') ? declared : undefined,
      options.maxPixels,
    );
  });
}

function fetchImage(
  options: ResolvedOptions,
  context: ErrorContext,
  url: string,
  signal: AbortSignal,
): Promise<VerifiedImage> {
  return labelled(context, async () => {
    if (url.startsWith('data:')) {
      const { declaredType, bytes } = decodeDataUrl(url);
      return await verifyImage(bytes, declaredType, options.maxPixels);
    }
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    const api = new URL(options.baseURL);
    // Only from the API's own host (scheme and port included): an answer must not make a
    // build fetch from wherever it says (another host, the local network, a metadata service).
    if (!parsed || parsed.origin !== api.origin) {
      throw new HeaderforgeError(
        'bad_response',
        `the image URL is neither a data: URL nor on ${api.host}, the API's own host, so it was not fetched (${excerpt(url, options.apiKey, 60)})`,
      );
    }
    // The key is not needed to download: it is never sent. No redirect is followed (it could
    // lead anywhere).
    const response = await options.fetch(parsed, { signal, redirect: 'error' });
    if (!response.ok) {
      throw new HeaderforgeError(
        'bad_response',
        `downloading the image from ${parsed.host} answered ${response.status}`,
      );
    }
    const bytes = await readBodyBounded(
      response.body,
      options.maxResponseBytes,
      'The image download',
    );
    const declared = response.headers.get('content-type')?.split(';')[0]?.trim();
    return await verifyImage(
      bytes,
      declared?.startsWith('image/') ? declared : undefined,
      options.maxPixels,
    );
  });
}

/** A refused image's error names the model, and keeps the paid bytes. */
async function labelled(
  context: ErrorContext,
  decode: () => Promise<VerifiedImage>,
): Promise<VerifiedImage> {
  try {
    return await decode();
  } catch (error) {
    throw namingModel(context, error);
  }
}

/** A `bad_response` (an answer we cannot use) says which model's answer it was. */
function namingModel(context: ErrorContext, error: unknown): unknown {
  if (!isHeaderforgeError(error) || error.code !== 'bad_response') return error;
  return new HeaderforgeError('bad_response', `${error.message} (model ${context.model})`, {
    hint: error.hint ?? 'Build again; if it persists, try another model.',
    ...(error.rejectedImage ? { rejectedImage: error.rejectedImage } : {}),
  });
}

/**
 * Fills a missing `usage.cost` from `GET /generation?id=` when `lookupCost` is on. The stats
 * appear only seconds after a generation, so it asks after each delay in turn; an answer
 * that never comes leaves the cost unknown (the image is kept either way).
 */
async function withLookedUpCost(
  options: ResolvedOptions,
  image: GeneratedImage,
  signal: AbortSignal | undefined,
): Promise<GeneratedImage> {
  if (image.usage?.cost !== undefined || !image.generationId) return image;
  for (const delayMs of options.costLookupDelaysMs) {
    if (signal?.aborted) break;
    await sleep(delayMs, undefined, signal ? { signal } : {}).catch(() => {});
    const cost = await fetchGenerationCost(options, image.generationId).catch(() => undefined);
    if (cost !== undefined) return { ...image, usage: { ...image.usage, cost } };
  }
  return image;
}

async function fetchGenerationCost(
  options: ResolvedOptions,
  id: string,
): Promise<number | undefined> {
  const response = await options.fetch(
    `${options.baseURL}/generation?id=${encodeURIComponent(id)}`,
    {
      headers: { ...options.headers, Authorization: `Bearer ${options.apiKey}` },
      signal: AbortSignal.timeout(Math.min(options.timeoutMs, 30_000)),
    },
  );
  const bytes = await readBodyBounded(response.body, 1 << 20, 'The generation stats');
  if (!response.ok) return undefined;
  const parsed = GenerationStatsSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
  const cost = parsed.success ? parsed.data.data.total_cost : undefined;
  return typeof cost === 'number' && cost >= 0 ? cost : undefined;
}

function catalogueError(error: Error, options: ResolvedOptions): HeaderforgeError {
  if (isHeaderforgeError(error)) return error;
  const detail = redact(error.message, options.apiKey);
  return new HeaderforgeError(
    'upstream',
    `Could not list image models from ${options.baseURL}: ${detail}`,
    {
      retryable: true,
      cause: safeCause(error, options.apiKey),
      hint: 'Check the network and OPENROUTER_BASE_URL.',
    },
  );
}

/** System error codes for an address with no server behind it (nothing was ever connected). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

/** Whether a fetch failure means the API's address cannot be reached at all. */
function unreachable(cause: unknown): boolean {
  return causeChain(cause).some((error) => {
    const { code } = error as { code?: unknown };
    return typeof code === 'string' && UNREACHABLE.has(code);
  });
}
