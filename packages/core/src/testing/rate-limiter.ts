/** OpenRouter-style per-key limit: at most `requests` accepted generations in any `windowMs`. */
export class RateLimiter {
  readonly #accepted: number[] = [];
  readonly #requests: number;
  readonly #windowMs: number;

  constructor(limit: { requests: number; windowMs: number }) {
    if (!(Number.isInteger(limit.requests) && limit.requests >= 0)) {
      throw new RangeError(`rateLimit.requests must be a whole number, got ${limit.requests}.`);
    }
    if (!(limit.windowMs > 0)) {
      throw new RangeError(`rateLimit.windowMs must be positive, got ${limit.windowMs}.`);
    }
    this.#requests = limit.requests;
    this.#windowMs = limit.windowMs;
  }

  /**
   * Counts the request if a slot is free and returns undefined; otherwise returns the whole
   * seconds until the oldest accepted request leaves the window. Refused requests do not count,
   * so a client that backs off as told always gets through.
   */
  acquire(now: number): number | undefined {
    while (this.#accepted.length > 0 && (this.#accepted[0] ?? 0) <= now - this.#windowMs) {
      this.#accepted.shift();
    }
    if (this.#accepted.length < this.#requests) {
      this.#accepted.push(now);
      return undefined;
    }
    const freesAt = (this.#accepted[0] ?? now) + this.#windowMs;
    return Math.max(1, Math.ceil((freesAt - now) / 1000));
  }

  clear(): void {
    this.#accepted.length = 0;
  }
}
