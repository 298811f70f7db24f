import type { DerivedFile, HeaderResult } from '@headerforge/core/adapter';
import { describe, expect, it } from 'vitest';
import { expandHeaderElements } from './html.js';

const file = (name: string, width: number, height: number): DerivedFile => ({
  file: `/site/cache/${name}`,
  width,
  height,
  format: 'jpeg',
  bytes: 1,
});

function header(cards: DerivedFile[] | undefined, og?: DerivedFile): HeaderResult {
  return {
    job: {
      file: 'posts/hello.md',
      title: 'Hello "world"',
      prompt: 'p',
      userPrompt: 'p',
      alt: 'A lighthouse at dusk',
      model: 'm',
      aspectRatio: '16:9',
      imageSize: '1K',
      focus: 'attention',
      auto: false,
    },
    key: 'k',
    source: 'cache',
    placeholder: false,
    original: { file: '/o.png', width: 1344, height: 768, sha256: 's' },
    derived: {
      key: 'd',
      master: file('master.png', 1344, 756),
      variants: [],
      ...(og ? { og } : {}),
      lqip: 'data:,',
      color: '#000000',
    },
    ...(cards ? { cards } : {}),
  };
}

const expand = (html: string, result: HeaderResult) =>
  expandHeaderElements(html, new Map([['posts/hello.md', result]]), {
    root: '/site',
    page: 'index.html',
  });

describe('the <meta data-headerforge> expansion', () => {
  it('points og:image at the title card and describes it for crawlers', () => {
    const html = expand(
      '<meta property="og:image" data-headerforge="posts/hello.md" />',
      header([file('ab/title.jpg', 1200, 630), file('cd/square.jpg', 1080, 1080)]),
    );
    expect(html.split(/\n\s*/)).toEqual([
      '<meta property="og:image" content="/cache/ab/title.jpg">',
      '<meta property="og:image:width" content="1200">',
      '<meta property="og:image:height" content="630">',
      '<meta property="og:image:alt" content="Hello &quot;world&quot;, over a lighthouse at dusk">',
      '<meta name="twitter:card" content="summary_large_image">',
    ]);
  });

  it('takes the crop when there is no title card, with the header’s alt', () => {
    const html = expand(
      '<meta property="og:image" data-headerforge="posts/hello.md">',
      header(undefined, file('og.jpg', 1200, 630)),
    );
    expect(html).toContain('<meta property="og:image" content="/cache/og.jpg">');
    expect(html).toContain('<meta property="og:image:alt" content="A lighthouse at dusk">');
  });

  it('keeps a twitter:image tag a single tag', () => {
    const html = expand(
      '<meta name="twitter:image" data-headerforge="posts/hello.md">',
      header([file('ab/title.jpg', 1200, 630)]),
    );
    expect(html).toBe('<meta name="twitter:image" content="/cache/ab/title.jpg">');
  });

  it('says the og option is off when the post has no card', () => {
    expect(() =>
      expand('<meta property="og:image" data-headerforge="posts/hello.md">', header(undefined)),
    ).toThrow(/asks for a social card, but the og option is off/);
  });
});
