import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { until } from './until.js';

/**
 * A post's card on the review page, and what the tests read of it: `page` and `siteDir`
 * are asked for when used (a test file opens them in `beforeAll`).
 */
export function reviewCard(page: () => Page, siteDir: () => string, post: string) {
  const card = (): Locator => page().locator(`article[data-post="${post}"]`);
  /** The image the card shows: its URL names the image's key. */
  const shown = () => card().locator('.shot img').getAttribute('src');
  const generating = () => card().locator('.busy').count();
  const frontmatter = async () =>
    (await readFile(join(siteDir(), post), 'utf8')).split('\n---')[0] as string;

  /** Waits until the card shows another image than `before`, made and decodable. */
  async function newImage(before: string | null): Promise<string> {
    const after = await until(
      async () => ({ src: await shown(), busy: await generating() }),
      (now) => now.src !== before && now.src !== null && now.busy === 0,
      'the new image on the review page',
    );
    const width = await card()
      .locator('.shot img')
      .evaluate(async (element) => {
        const img = element as unknown as { decode(): Promise<void>; naturalWidth: number };
        await img.decode();
        return img.naturalWidth;
      });
    expect(width).toBeGreaterThan(0);
    return after.src as string;
  }

  return { card, shown, generating, frontmatter, newImage };
}
