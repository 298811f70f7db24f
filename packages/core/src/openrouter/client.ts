import { setTimeout as sleep } from 'node:timers/promises';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import type { ImageMediaType } from '../image/media-types.js';
import type { AspectRatio, ImageSize } from '../image/ratios.js';
import { readBodyBounded } from './body.js';
import { type CatalogueResult, type ImageModel, loadImageModelCatalogue } from './catalogue.js';
import { type ErrorContext, errorForBody, errorForStatus } from './classify.js';
import {
  DEFAULT_APP_NAME,
  DEFAULT_BASE_URL,
  DEFAULT_MAX_PIXELS,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_MAX_RETRIES,
  DEFAULT_MAX_RETRY_DELAY_MS,
  DEFAULT_MAX_TOKENS,
  DEFAULT_RETRY_BASE_DELAY_MS,
  DEFAULT_TIMEOUT_MS,
  type OpenRouterClientOptions,
} from './client-options.js';
import { decodeDataUrl, verifyImage } from './image-data.js';
import {
  FALLBACK_OUTPUT_MODALITIES,
  type ImageCapabilities,
  imageCapabilities,
  requestModalities,
} from './model-capabilities.js';
import { excerpt, redact, safeCause } from './redact.js';
import { parseCompletion, parseStream, type Reply } from './reply.js';
import { backoffDelay, parseRetryAfter } from './retry.js';

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
  stream?: boolean;
  signal?: AbortSignal;
}

export interface GeneratedImage {
  bytes: Uint8Array;
  mediaType: ImageMediaType;
  width: number;
  height: number;
  text?: string;
  usage?: { promptTokens?: number; completionTokens?: number; cost?: number };
  generationId?: string;
  model: string;
}

export interface OpenRouterClient {
  readonly baseURL: string;
  generateImage(request: GenerateImageRequest): Promise<GeneratedImage>;
  listImageModels(options?: { signal?: AbortSignal }): Promise<ImageModel[]>;
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
    generateImage: (request) => generateImage(resolved, catalogue, request),
    listImageModels: async () => {
      const result = await catalogue();
      if (result.ok) return result.models;
      throw catalogueError(result.error, resolved);
    },
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
  };
}

async function generateImage(
  options: ResolvedOptions,
  catalogue: () => Promise<CatalogueResult>,
  request: GenerateImageRequest,
): Promise<GeneratedImage> {
  const { model, prompt } = request;
  if (typeof prompt !== 'string' || prompt.trim() === '') {
    throw new HeaderforgeError('invalid_request', `The prompt for ${model} is empty`, {
      hint: 'Give the header a prompt describing the image.',
    });
  }
  if (!options.apiKey) {
    throw new HeaderforgeError('auth', 'No OpenRouter API key: OPENROUTER_API_KEY is not set', {
      hint: 'Set OPENROUTER_API_KEY in the environment or in .env (keys: https://openrouter.ai/settings/keys), or build in placeholder mode.',
    });
  }
  const outputModalities = await modelOutputModalities(model, await catalogue());
  const aspectRatio = request.aspectRatio ?? '16:9';
  const imageSize = request.imageSize ?? '1K';
  checkImageConfig(model, imageCapabilities(model), aspectRatio, imageSize);

  const body = {
    model,
    messages: [{ role: 'user', content: prompt }],
    modalities: requestModalities(outputModalities),
    image_config: { aspect_ratio: aspectRatio, image_size: imageSize },
    max_tokens: options.maxTokens,
    stream: request.stream ?? false,
    ...(request.seed === undefined ? {} : { seed: request.seed }),
  };
  const context: ErrorContext = { model, baseURL: options.baseURL, apiKey: options.apiKey };

  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptGeneration(options, context, body, request.signal);
    } catch (error) {
      if (
        !(error instanceof HeaderforgeError) ||
        !error.retryable ||
        attempt > options.maxRetries
      ) {
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

async function modelOutputModalities(
  model: string,
  catalogue: CatalogueResult,
): Promise<readonly string[]> {
  if (!catalogue.ok) return FALLBACK_OUTPUT_MODALITIES[model] ?? ['image', 'text'];
  const entry = catalogue.models.find((candidate) => candidate.id === model);
  if (entry) return entry.outputModalities;
  const known = catalogue.models.map((candidate) => candidate.id);
  throw new HeaderforgeError(
    'not_found',
    `Model "${model}" is not an image model on OpenRouter (not in GET /models?output_modalities=image)`,
    {
      hint: `Use one of: ${known.slice(0, 8).join(', ')}${known.length > 8 ? ', …' : ''}. \`headerforge models\` lists them all.`,
    },
  );
}

function checkImageConfig(
  model: string,
  capabilities: ImageCapabilities,
  aspectRatio: string,
  imageSize: string,
): void {
  if (!(capabilities.aspectRatios as readonly string[]).includes(aspectRatio)) {
    throw new HeaderforgeError(
      'invalid_request',
      `aspectRatio "${aspectRatio}" is not accepted by ${model}; valid: ${capabilities.aspectRatios.join(', ')}`,
      {
        hint: 'For a social card (1.91:1, 1200×630) generate 16:9 and let headerforge crop it.',
      },
    );
  }
  if (!(capabilities.imageSizes as readonly string[]).includes(imageSize)) {
    throw new HeaderforgeError(
      'invalid_request',
      `imageSize "${imageSize}" is not accepted by ${model}; valid: ${capabilities.imageSizes.join(', ')}`,
    );
  }
}

/** One HTTP exchange, bounded by the per-attempt timeout and the caller's signal. */
async function attemptGeneration(
  options: ResolvedOptions,
  context: ErrorContext,
  body: Record<string, unknown> & { model: string; stream: boolean },
  callerSignal: AbortSignal | undefined,
): Promise<GeneratedImage> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
  // Failures before any response byte are safe to retry; after that the request may be billed.
  const failed = (cause: unknown, phase: 'connect' | 'read'): unknown => {
    if (callerSignal?.aborted) return callerSignal.reason;
    if (cause instanceof HeaderforgeError) return cause;
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
    response = await options.fetch(`${options.baseURL}/chat/completions`, {
      method: 'POST',
      headers: {
        ...options.headers,
        Authorization: `Bearer ${options.apiKey}`,
        'Content-Type': 'application/json',
        Accept: body.stream ? 'text/event-stream' : 'application/json',
      },
      body: JSON.stringify(body),
      signal,
    });
  } catch (cause) {
    throw failed(cause, 'connect');
  }

  let reply: Reply & { done?: boolean };
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
    const isStream = (response.headers.get('content-type') ?? '').includes('text/event-stream');
    if (isStream && response.body) {
      reply = await parseStream(response.body, options.apiKey);
    } else {
      const bytes = await readBodyBounded(response.body, options.maxResponseBytes, 'The response');
      reply = parseCompletion(new TextDecoder().decode(bytes), options.apiKey);
    }
    return await imageFromReply(options, context, reply, signal);
  } catch (cause) {
    throw failed(cause, 'read');
  }
}

async function imageFromReply(
  options: ResolvedOptions,
  context: ErrorContext,
  reply: Reply & { done?: boolean },
  signal: AbortSignal,
): Promise<GeneratedImage> {
  if (reply.error) throw errorForBody(reply.error.body, context, reply.error.where);
  const url = reply.imageUrls[0];
  if (!url) {
    if (reply.done === false) {
      throw new HeaderforgeError(
        'bad_response',
        `The stream for ${context.model} ended before any image or [DONE]`,
        {
          hint: 'The connection was cut mid-stream. Build again.',
        },
      );
    }
    const said = reply.text ? ` It said: "${excerpt(reply.text, options.apiKey, 200)}"` : '';
    throw new HeaderforgeError(
      'no_image',
      `${context.model} answered without an image (finish_reason: ${reply.finishReason ?? 'none'}).${said}`,
      {
        hint: 'Check that the model lists "image" in its output modalities (`headerforge models`), that the request\'s modalities match them, and that the prompt asks for an image.',
      },
    );
  }
  const image = await fetchImage(options, context, url, signal);
  const result: GeneratedImage = { ...image, model: reply.model ?? context.model ?? '' };
  if (reply.text) result.text = reply.text;
  if (reply.id) result.generationId = reply.id;
  if (reply.usage) {
    const usage: NonNullable<GeneratedImage['usage']> = {};
    if (reply.usage.prompt_tokens !== undefined) usage.promptTokens = reply.usage.prompt_tokens;
    if (reply.usage.completion_tokens !== undefined)
      usage.completionTokens = reply.usage.completion_tokens;
    if (reply.usage.cost !== undefined) usage.cost = reply.usage.cost;
    result.usage = usage;
  }
  return result;
}

async function fetchImage(
  options: ResolvedOptions,
  context: ErrorContext,
  url: string,
  signal: AbortSignal,
) {
  try {
    if (url.startsWith('data:')) {
      const { declaredType, bytes } = decodeDataUrl(url);
      return await verifyImage(bytes, declaredType, options.maxPixels);
    }
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    const loopback = parsed && ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
    if (!parsed || !(parsed.protocol === 'https:' || (parsed.protocol === 'http:' && loopback))) {
      throw new HeaderforgeError(
        'bad_response',
        `the image URL is neither a data: URL nor https (${excerpt(url, options.apiKey, 60)})`,
      );
    }
    // The image host is not OpenRouter: never send it the key.
    const response = await options.fetch(parsed, { signal });
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
  } catch (error) {
    if (!(error instanceof HeaderforgeError) || error.code !== 'bad_response') throw error;
    throw new HeaderforgeError('bad_response', `${error.message} (model ${context.model})`, {
      hint: error.hint ?? 'Build again; if it persists, try another model.',
      ...(error.rejectedImage ? { rejectedImage: error.rejectedImage } : {}),
    });
  }
}

function catalogueError(error: Error, options: ResolvedOptions): HeaderforgeError {
  if (error instanceof HeaderforgeError) return error;
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
