/**
 * `Retry-After` in milliseconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Returns undefined when absent or unparseable, so the caller falls back to backoff.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (value == null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // An HTTP date always names its month; without this, Date.parse('-5') is a year.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Full-jitter exponential backoff (a uniform wait in [0, min(cap, base·2^attempt)]): it
 * spreads clients that failed together so they do not retry together.
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}
