import { describe, expect, it } from 'vitest';
import type { DerivedFile } from '../derive/derived-set.js';
import type { HeaderResult } from '../pipeline/summary.js';
import { derivedFile } from './derived-file.test-support.js';
import { pictureMarkup } from './picture.js';

const file = derivedFile;

const header = (variants: DerivedFile[], alt = 'A lighthouse at dusk'): HeaderResult => ({
  job: {
    file: 'posts/a.md',
    prompt: 'A lighthouse at dusk',
    userPrompt: 'A lighthouse at dusk',
    alt,
    model: 'm',
    aspectRatio: '16:9',
    imageSize: '1K',
    focus: 'center',
    auto: false,
  },
  key: 'k',
  source: 'cache',
  placeholder: false,
  original: { file: '/cache/k/original.png', width: 1344, height: 768, sha256: 'x' },
  derived: {
    key: 'k',
    master: file('master.png', 1344, 'png'),
    variants,
    lqip: 'data:image/webp;base64,AA',
    color: '#102030',
  },
});

const url = (path: string) => path.replace('/cache/', '/assets/');
const background =
  'style="background: #102030 url(data:image/webp;base64,AA) center / cover no-repeat"';

describe('pictureMarkup', () => {
  it('lists a source per format and makes the last format the <img>', () => {
    const markup = pictureMarkup(
      header([
        file('w640.avif', 640, 'avif'),
        file('w960.avif', 960, 'avif'),
        file('w640.jpg', 640, 'jpeg'),
        file('w960.jpg', 960, 'jpeg'),
      ]),
      { url, sizes: '(min-width: 960px) 960px, 100vw', attributes: ' class="hero"' },
    );
    expect(markup).toBe(
      [
        `<picture class="hero" ${background}>`,
        '<source type="image/avif" srcset="/assets/k/w640.avif 640w, /assets/k/w960.avif 960w" sizes="(min-width: 960px) 960px, 100vw">',
        '<img src="/assets/k/w960.jpg" srcset="/assets/k/w640.jpg 640w, /assets/k/w960.jpg 960w" sizes="(min-width: 960px) 960px, 100vw" width="960" height="540" alt="A lighthouse at dusk" loading="lazy" decoding="async">',
        '</picture>',
      ].join(''),
    );
  });

  it('gives a pending stand-in its colour alone as the background, its placeholder being that colour', () => {
    const pending = { ...header([]), source: 'pending' as const, placeholder: true };
    const markup = pictureMarkup(pending, { url });
    expect(markup).toContain('<picture style="background: #102030">');
    expect(markup).not.toContain('url(');
  });

  it('sizes the srcsets for the whole viewport unless told', () => {
    const markup = pictureMarkup(header([file('w640.webp', 640, 'webp')]), { url });
    expect(markup).toBe(
      `<picture ${background}><img src="/assets/k/w640.webp" srcset="/assets/k/w640.webp 640w" sizes="100vw" width="640" height="360" alt="A lighthouse at dusk" loading="lazy" decoding="async"></picture>`,
    );
  });

  it('shows the master, without a srcset, when there are no variants', () => {
    const markup = pictureMarkup(header([]), { url });
    expect(markup).toBe(
      `<picture ${background}><img src="/assets/k/master.png" width="1344" height="756" alt="A lighthouse at dusk" loading="lazy" decoding="async"></picture>`,
    );
  });

  it('escapes text and URLs inside attributes', () => {
    const markup = pictureMarkup(header([], 'Say "hi" <now> & then'), {
      url: (path) => `${url(path)}?a=1&b="2"`,
    });
    expect(markup).toContain('alt="Say &quot;hi&quot; &lt;now&gt; &amp; then"');
    expect(markup).toContain('src="/assets/k/master.png?a=1&amp;b=&quot;2&quot;"');
  });
});
