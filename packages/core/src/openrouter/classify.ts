import {
  HeaderforgeError,
  type HeaderforgeErrorCode,
  type HeaderforgeErrorScope,
} from '../errors/headerforge-error.js';
import { excerpt, redact } from './redact.js';
import { type ErrorBody, ErrorBodySchema } from './schemas.js';

export interface ErrorContext {
  model?: string;
  /** The path asked, e.g. `/images`; default `/chat/completions`. */
  endpoint?: string;
  baseURL: string;
  apiKey: string | undefined;
}

/** Only these are worth the same request again; the rest would fail (or bill) the same way. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

function codeForStatus(status: number): HeaderforgeErrorCode {
  if (status === 400 || status === 413 || status === 422) return 'invalid_request';
  if (status === 401) return 'auth';
  if (status === 402) return 'insufficient_credits';
  // OpenRouter answers 403 when a moderated model flagged the input.
  if (status === 403) return 'moderation';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate_limited';
  return 'upstream';
}

/** How far a failure of this code reaches: the whole run, the model, or its request alone. */
function scopeFor(code: HeaderforgeErrorCode, message: string): HeaderforgeErrorScope | undefined {
  if (code === 'auth' || code === 'insufficient_credits') return 'run';
  // A missing model, or a base URL that is not the API's: the same for every request.
  if (code === 'not_found') return modelNotFound(message) ? 'model' : 'run';
  return undefined;
}

const modelNotFound = (message: string) => /endpoints? found|model/i.test(message);

function hintFor(code: HeaderforgeErrorCode, context: ErrorContext, message: string): string {
  switch (code) {
    case 'auth':
      return 'Check OPENROUTER_API_KEY: it is missing, mistyped or revoked. Keys are at https://openrouter.ai/settings/keys.';
    case 'insufficient_credits':
      return 'Add credits at https://openrouter.ai/settings/credits, or lower max_tokens so less is reserved per request.';
    case 'moderation':
      return 'The model’s moderation flagged the prompt. Reword it, or pick another model.';
    case 'not_found':
      return modelNotFound(message)
        ? `OpenRouter has no image endpoint for "${context.model}". List image models with \`headerforge models\` (GET /models?output_modalities=image).`
        : `${context.baseURL}${context.endpoint ?? '/chat/completions'} does not exist. OPENROUTER_BASE_URL should be the API root (https://openrouter.ai/api/v1). Images are made at /images or at /chat/completions with "modalities"; /images/generations (OpenAI's path) answers 404.`;
    case 'invalid_request':
      return 'OpenRouter rejected the request parameters: check the model, aspect ratio and image size.';
    case 'rate_limited':
      return 'OpenRouter is rate limiting image generation. Lower `concurrency`, or wait and build again: cached images are kept.';
    case 'timeout':
      return 'Image generation can take a minute or more; raise `timeoutMs` if your model is slow.';
    default:
      return 'OpenRouter or the model provider had trouble. Build again later; images already generated are kept.';
  }
}

function describe(model: string | undefined): string {
  return model ? ` for ${model}` : '';
}

/** An error for an HTTP status, using OpenRouter's `{"error":{…}}` body when there is one. */
export function errorForStatus(
  status: number,
  bodyText: string,
  context: ErrorContext,
  retryAfterMs?: number,
): HeaderforgeError {
  const body = parseErrorBody(bodyText);
  const code = codeForStatus(status);
  const detail = body?.message
    ? redact(body.message, context.apiKey)
    : `unexpected body: ${excerpt(bodyText, context.apiKey)}`;
  const message = `OpenRouter answered ${status}${describe(context.model)}: ${detail}`;
  const scope = scopeFor(code, detail);
  return new HeaderforgeError(code, message, {
    status,
    retryable: RETRYABLE_STATUSES.has(status),
    hint: hintFor(code, context, detail),
    ...(scope ? { scope } : {}),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/**
 * An `{"error":{…}}` object inside a 200 (or inside a stream). Its `code` is usually an
 * HTTP status, so it is classified like one.
 */
export function errorForBody(
  error: ErrorBody,
  context: ErrorContext,
  where: 'body' | 'stream',
): HeaderforgeError {
  const status = typeof error.code === 'number' ? error.code : Number(error.code);
  const code = Number.isInteger(status) ? codeForStatus(status) : 'upstream';
  const detail = redact(error.message ?? 'no message', context.apiKey);
  const place = where === 'stream' ? 'mid-stream' : 'in a 200 response';
  const scope = scopeFor(code, detail);
  return new HeaderforgeError(
    code,
    `OpenRouter reported an error ${place}${describe(context.model)}: ${detail}`,
    {
      // A stream that already started may have been billed: never pay twice for it.
      retryable: where === 'body' && RETRYABLE_STATUSES.has(status),
      hint: hintFor(code, context, detail),
      ...(Number.isInteger(status) ? { status } : {}),
      ...(scope ? { scope } : {}),
    },
  );
}

function parseErrorBody(text: string): ErrorBody | undefined {
  try {
    const parsed = ErrorBodySchema.safeParse((JSON.parse(text) as { error?: unknown })?.error);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
