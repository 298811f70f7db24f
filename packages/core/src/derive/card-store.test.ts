import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cardFile, copySiblingCard, readCard, writeCard } from './card-store.js';

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

  it("are copied from another post's file of the same key and size, never drawn again", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hf-cards-'));
    try {
      const og = { width: 1200, height: 630 };
      const square = { width: 1080, height: 1080 };
      await writeCard(dir, { key: KEY, size: og, stem: 'lighthouse' }, new Uint8Array([1, 2]));
      await writeCard(dir, { key: KEY, size: square, stem: 'lighthouse' }, new Uint8Array([3]));
      // A renamed post: the card of its old name, copied under its new one, size by size.
      const renamed = { key: KEY, size: og, stem: 'beacon' };
      expect(await copySiblingCard(dir, renamed)).toEqual(readCard(dir, renamed));
      expect([...(await readFile(cardFile(dir, renamed)))]).toEqual([1, 2]);
      const squared = { key: KEY, size: square, stem: 'beacon' };
      await copySiblingCard(dir, squared);
      expect([...(await readFile(cardFile(dir, squared)))]).toEqual([3]);
      // No card of that size, or no folder for the key: nothing to copy.
      expect(
        await copySiblingCard(dir, { key: KEY, size: { width: 800, height: 800 }, stem: 'b' }),
      ).toBeUndefined();
      const other = `cd${'0'.repeat(62)}`;
      expect(await copySiblingCard(dir, { key: other, size: og, stem: 'b' })).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
