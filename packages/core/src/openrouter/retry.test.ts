import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter } from './retry.js';

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter(' 2 ')).toBe(2000);
    expect(parseRetryAfter('0')).toBe(0);
  });

  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('Sat, 21 Nov 2026 10:00:00 GMT');
    expect(parseRetryAfter('Sat, 21 Nov 2026 10:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 09:59:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-5')).toBeUndefined();
  });
});

describe('backoffDelay (full jitter)', () => {
  it('grows exponentially up to the cap, scaled by the random draw', () => {
    expect(backoffDelay(0, 1000, 60_000, () => 0.999)).toBe(999);
    expect(backoffDelay(3, 1000, 60_000, () => 0.5)).toBe(4000);
    expect(backoffDelay(10, 1000, 60_000, () => 0.5)).toBe(30_000);
    expect(backoffDelay(10, 1000, 60_000, () => 0)).toBe(0);
  });

  it('stays within [0, ceiling) for real random draws', () => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const delay = backoffDelay(attempt, 100, 5000);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(5000, 100 * 2 ** attempt));
    }
  });
});
