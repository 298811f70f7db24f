import { z } from 'zod';
import type { RetryEvent } from './client.js';
import { TRANSPORT_CHOICES } from './transport.js';

// The options of `createOpenRouterClient`, their defaults and their documentation, in one
// place: the README's client options table is generated from this schema's metadata
// (`npm run docs:options`), and `OpenRouterClientOptions` is its input type. The fields carry
// no JSDoc, since TypeScript does not show a schema field's JSDoc through `z.input<>` (the
// emitted .d.ts drops it and editors' hover does not find it); it would only be a second
// copy. The client validates its options itself (`resolveOptions` in client.ts): this schema
// documents them and types them, it does not parse them.

export const DEFAULT_BASE_URL = 'https://openrouter.ai/api/v1';
/** One image takes 20–30 s and slow models far longer; a short timeout would pay and discard. */
export const DEFAULT_TIMEOUT_MS = 180_000;
/** Retries after the first attempt: three attempts in all. */
export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_RETRY_BASE_DELAY_MS = 1000;
export const DEFAULT_MAX_RETRY_DELAY_MS = 60_000;
/**
 * OpenRouter reserves `max_tokens` worth of credit before a request runs; without it the
 * model's whole output budget is reserved and low-balance accounts get 402 for an image
 * that costs cents. An image is ~1.3k output tokens at 1K and a few thousand at 4K, plus
 * a sentence of text, so this leaves room without over-reserving.
 */
export const DEFAULT_MAX_TOKENS = 8192;
/** A 4K PNG as base64 is tens of MB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 128 * 2 ** 20;
export const DEFAULT_MAX_PIXELS = 16_384 * 16_384;
export const DEFAULT_APP_NAME = 'headerforge';
/** OpenRouter's generation stats appear seconds after the answer: ask after 2, 4 and 8 s more. */
export const DEFAULT_COST_LOOKUP_DELAYS_MS: readonly number[] = [2000, 4000, 8000];

/**
 * `description` is the README's sentence for the option; `defaultText`, when the default
 * is not a schema default (it comes from the environment) or reads better in words, is
 * what the table's default column shows instead.
 */
function doc(description: string, defaultText?: string) {
  return defaultText === undefined ? { description } : { description, defaultText };
}

/**
 * Built when asked for (the README's table, and types), not when this module loads: the
 * pipeline imports the module for its defaults, and building the schema cost each build
 * 1–2 ms of its main thread.
 */
export const openRouterClientOptionsSchema = z.lazy(() =>
  z.object({
    apiKey: z
      .string()
      .optional()
      .meta(doc('Needed to generate images, not to list models.', '`OPENROUTER_API_KEY`')),
    baseURL: z
      .string()
      .optional()
      .meta(
        doc(
          'The OpenRouter-compatible API root. An explicit `baseURL` beats `OPENROUTER_BASE_URL`.',
          `\`OPENROUTER_BASE_URL\`, else \`${DEFAULT_BASE_URL}\``,
        ),
      ),
    timeoutMs: z
      .int()
      .min(0)
      .default(DEFAULT_TIMEOUT_MS)
      .meta(
        doc(
          'Milliseconds one attempt may take, including the response body. A timed-out attempt is not retried, since the provider may still finish it and bill for it.',
        ),
      ),
    maxRetries: z
      .int()
      .min(0)
      .default(DEFAULT_MAX_RETRIES)
      .meta(
        doc(
          'Retries after the first attempt, after a 429 rate limit, a 502/503/504 or a connection failure before any response byte; never after a timeout (see `timeoutMs`).',
          `\`${DEFAULT_MAX_RETRIES}\` (${DEFAULT_MAX_RETRIES + 1} attempts)`,
        ),
      ),
    retryBaseDelayMs: z
      .number()
      .default(DEFAULT_RETRY_BASE_DELAY_MS)
      .meta(
        doc(
          'First step of the full-jitter exponential backoff: the n-th retry waits a uniform time in [0, min(`maxRetryDelayMs`, base·2ⁿ⁻¹)]. A `Retry-After` (seconds or a date) takes its place.',
        ),
      ),
    maxRetryDelayMs: z
      .number()
      .default(DEFAULT_MAX_RETRY_DELAY_MS)
      .meta(
        doc(
          'Longest wait between attempts; a `Retry-After` longer than this fails at once instead.',
        ),
      ),
    maxTokens: z
      .int()
      .min(0)
      .default(DEFAULT_MAX_TOKENS)
      .meta(
        doc(
          "Sent as `max_tokens`, so OpenRouter does not reserve the model's whole output budget (a 402 on low-credit accounts).",
        ),
      ),
    maxResponseBytes: z
      .number()
      .default(DEFAULT_MAX_RESPONSE_BYTES)
      .meta(
        doc(
          'Largest response body read, a JSON answer or a downloaded image; a larger one is refused.',
          `${DEFAULT_MAX_RESPONSE_BYTES / 2 ** 20} MiB`,
        ),
      ),
    maxPixels: z
      .number()
      .default(DEFAULT_MAX_PIXELS)
      .meta(
        doc(
          'Largest image accepted, in pixels (width × height); a larger one is refused from its header, before decoding.',
          `${Math.sqrt(DEFAULT_MAX_PIXELS)}²`,
        ),
      ),
    appName: z
      .string()
      .default(DEFAULT_APP_NAME)
      .meta(doc("Sent as `X-Title`, for OpenRouter's app attribution.")),
    siteUrl: z
      .string()
      .optional()
      .meta(doc("Sent as `HTTP-Referer`, for OpenRouter's app attribution.")),
    transport: z
      .enum(TRANSPORT_CHOICES)
      .default('auto')
      .meta(
        doc(
          "Which endpoint makes images: `'images'` (`POST /images`), `'chat'` (`POST /chat/completions`), or `'auto'`: the Image API for the models `GET /images/models` lists, chat completions for the rest. A request's own `transport` beats it.",
        ),
      ),
    provider: z
      .object({
        order: z.array(z.string()).optional(),
        only: z.array(z.string()).optional(),
        allowFallbacks: z.boolean().optional(),
      })
      .optional()
      .meta(
        doc(
          "OpenRouter's provider routing, sent on both endpoints: `{ order, only, allowFallbacks }`. Pin a provider when it matters which one draws (another provider's picture differs). A request's own `provider` beats it.",
          'none (OpenRouter routes)',
        ),
      ),
    lookupCost: z
      .union([z.boolean(), z.object({ delaysMs: z.array(z.number()) })])
      .default(false)
      .meta(
        doc(
          'When an answer carries no `usage.cost`, ask `GET /generation?id=` for it: `true` asks after 2, 4 and 8 s (the stats appear only seconds after a generation), `{ delaysMs }` sets the waits. Off, the cost is priced from the catalogue and the generation id is kept.',
        ),
      ),
    onRetry: z
      .custom<(event: RetryEvent) => void>()
      .optional()
      .meta(
        doc(
          'Called before each retry with `{ model, attempt, delayMs, error }`, e.g. to log "rate limited, retrying in 4 s".',
        ),
      ),
    fetch: z
      .custom<typeof fetch>()
      .optional()
      .meta(
        doc(
          'The `fetch` every request goes through: the model catalogue, generations and image downloads.',
          '`globalThis.fetch`',
        ),
      ),
  }),
);

/** The options as callers write them: everything optional. */
export type OpenRouterClientOptions = z.input<typeof openRouterClientOptionsSchema>;
