import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cardFile, readCard, writeCard } from './card-store.js';

const KEY = `ab${'0'.repeat(62)}`;

describe('card files', () => {
  it('sit in a folder named by the key, each named after its post and size', () => {
    const og = { width: 1200, height: 630 };
    const square = { width: 1080, height: 1080 };
    expect(cardFile('/c', { key: KEY, size: og, stem: 'lighthouse' })).toBe(
      join('/c', 'ab', KEY, 'lighthouse-og.jpg'),
    );
    expect(cardFile('/c', { key: KEY, size: square, stem: 'lighthouse' })).toBe(
      join('/c', 'ab', KEY, 'lighthouse-og-1080x1080.jpg'),
    );
    // A post whose name gives no stem (a title in another script) keeps the plain name.
    expect(cardFile('/c', { key: KEY, size: og })).toBe(join('/c', 'ab', KEY, 'og.jpg'));
  });

  it('are found by key and post: two posts with the same card each get their own file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hf-cards-'));
    try {
      const size = { width: 1200, height: 630 };
      const a = { key: KEY, size, stem: 'a' };
      const b = { key: KEY, size, stem: 'b' };
      const written = await writeCard(dir, a, new Uint8Array([1, 2, 3]));
      expect(readCard(dir, a)).toEqual(written);
      expect(written).toMatchObject({ file: cardFile(dir, a), format: 'jpeg', bytes: 3 });
      expect(readCard(dir, b)).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
