import { describe, expect, it } from 'vitest';
import { fileStem, setFileNames } from './file-names.js';

describe('setFileNames', () => {
  it('names files by width and extension', () => {
    const plain = setFileNames();
    expect(plain.variant(640, 'jpeg')).toBe('w640.jpg');
    expect(plain.variant(1280, 'avif')).toBe('w1280.avif');
    expect([plain.master, plain.og]).toEqual(['master.png', 'og.jpg']);
  });

  it("starts each name with the post's stem", () => {
    const named = setFileNames('lighthouse-keeper');
    expect(named.master).toBe('lighthouse-keeper.png');
    expect(named.og).toBe('lighthouse-keeper-og.jpg');
    expect(named.variant(960, 'webp')).toBe('lighthouse-keeper-w960.webp');
  });
});

describe('fileStem', () => {
  it("is the post's slug, from its file or, for an index file, its folder", () => {
    expect(fileStem('src/content/blog/lighthouse-keeper.md')).toBe('lighthouse-keeper');
    expect(fileStem('src/content/blog/2024/Winter Light/index.mdx')).toBe('winter-light');
    expect(fileStem('posts\\Crème Brûlée au Café.md')).toBe('creme-brulee-au-cafe');
    expect(fileStem('posts/Über_Straße+Ärger.md')).toBe('uber-stra-e-arger');
    expect(fileStem('index.md')).toBe('index');
    // A name Windows keeps for a device, whatever its extension, gets a suffix.
    expect(fileStem('posts/Con!.md')).toBe('con-header');
    expect(fileStem('posts/lpt1.md')).toBe('lpt1-header');
    expect(fileStem('posts/console.md')).toBe('console');
  });

  it('is undefined when nothing Latin is left, and cut at a hyphen when long', () => {
    expect(fileStem('src/content/blog/東京の夜.md')).toBeUndefined();
    expect(fileStem('posts/---.md')).toBeUndefined();
    expect(fileStem(`posts/${'a-very-long-title-'.repeat(6)}end.md`)).toBe(
      'a-very-long-title-a-very-long-title-a-very-long',
    );
    // No hyphen to cut at: cut at the length.
    expect(fileStem(`posts/${'x'.repeat(80)}.md`)).toBe('x'.repeat(48));
  });

  it('makes names the derived set manifest accepts', () => {
    for (const file of ['a/B C.md', 'ÉTÉ.md', '0-start.md', 'x/index.md'])
      expect(setFileNames(fileStem(file)).variant(640, 'avif')).toMatch(/^[a-z0-9][a-z0-9.-]*$/);
  });
});
