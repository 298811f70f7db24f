export type HeaderforgeErrorCode =
  | 'auth'
  | 'insufficient_credits'
  | 'invalid_request'
  | 'not_found'
  | 'moderation'
  | 'rate_limited'
  | 'timeout'
  | 'upstream'
  | 'no_image'
  | 'bad_response'
  | 'budget_exceeded'
  // Beyond the HTTP client: the site's own input and the cache.
  | 'invalid_option'
  | 'invalid_frontmatter'
  | 'cache_miss'
  | 'cache_corrupt'
  | 'io'
  | 'image_processing'
  | 'generation_failed'
  // The shared remote cache: never fails a build, reported as a warning and a fallback.
  | 'remote_unavailable';

export interface HeaderforgeErrorOptions {
  /** What the user should do about it. */
  hint?: string;
  /** HTTP status of the response that caused it, when there was one. */
  status?: number;
  /** Whether trying the same request again may succeed. */
  retryable?: boolean;
  /** Milliseconds the server asked us to wait (from `Retry-After`). */
  retryAfterMs?: number;
  cause?: unknown;
  /** The bytes of a paid-for image that was refused (see `HeaderforgeError.rejectedImage`). */
  rejectedImage?: Uint8Array;
  /** How far the failure reaches beyond its own request (see `HeaderforgeError.scope`). */
  scope?: HeaderforgeErrorScope;
}

/**
 * `run`: every request of the run would fail the same way (the key, the credits, the API's
 * address); `model`: every request for the same model would (it does not exist).
 */
export type HeaderforgeErrorScope = 'run' | 'model';

/**
 * The one error type headerforge throws. `code` is stable for programs, `message` names
 * what failed (model, post, option), `hint` says what to do.
 */
export class HeaderforgeError extends Error {
  override readonly name = 'HeaderforgeError';
  readonly code: HeaderforgeErrorCode;
  readonly retryable: boolean;
  readonly status?: number;
  readonly hint?: string;
  readonly retryAfterMs?: number;
  /**
   * Set when the failure is not this request's alone: a build stops starting requests of
   * that scope at the first one, and says it once.
   */
  readonly scope?: HeaderforgeErrorScope;
  /**
   * An image OpenRouter returned, and billed, that could not be used (not an image, the
   * wrong type, too many pixels). Whoever caches images keeps it rather than drop what was
   * paid for. Not enumerable: a serialised or inspected error stays small.
   */
  declare readonly rejectedImage?: Uint8Array;

  constructor(code: HeaderforgeErrorCode, message: string, options: HeaderforgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    if (options.status !== undefined) this.status = options.status;
    if (options.hint !== undefined) this.hint = options.hint;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.scope !== undefined) this.scope = options.scope;
    if (options.rejectedImage !== undefined)
      Object.defineProperty(this, 'rejectedImage', { value: options.rejectedImage });
  }

  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}${this.hint ? `\n  hint: ${this.hint}` : ''}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      hint: this.hint,
      status: this.status,
      retryable: this.retryable,
    };
  }
}

/**
 * Marks the class's instances, whichever copy of this module made them: a site can run two
 * (two versions of headerforge installed; or a workspace-linked package, which Vite runs
 * as the site's own source beside the copy Node loaded), and an error made by one is no
 * `instanceof` the other's class. On the prototype: not shown when an error is inspected.
 */
const BRAND = Symbol.for('headerforge.error');
Object.defineProperty(HeaderforgeError.prototype, BRAND, { value: true });

/** Whether `value` is a HeaderforgeError, made by this copy of headerforge or another. */
export function isHeaderforgeError(value: unknown): value is HeaderforgeError {
  return (
    value instanceof HeaderforgeError ||
    (value instanceof Error && (value as Error & { [BRAND]?: unknown })[BRAND] === true)
  );
}

/**
 * Any thrown value as a `HeaderforgeError`, for reporting a failure per post: a file
 * system error (an errno code such as EACCES) becomes `io` with a hint about the cache
 * folders, anything else `generation_failed` with its message.
 */
export function asHeaderforgeError(error: unknown): HeaderforgeError {
  if (isHeaderforgeError(error)) return error;
  const code = (error as NodeJS.ErrnoException)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return new HeaderforgeError('io', `File system error: ${message}`, {
      cause: error,
      hint: 'Check permissions and free space for the cache folders.',
    });
  }
  return new HeaderforgeError('generation_failed', message, { cause: error });
}
