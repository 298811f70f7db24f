import { describe, expect, it } from 'vitest';
import type { DerivedFile, DerivedSet } from '../derive/derived-set.js';
import { derivedFile } from './derived-file.test-support.js';
import { srcsetsByFormat } from './srcsets.js';

const file = derivedFile;
const master = file('master.png', 1344, 'png');
const derived = (variants: DerivedFile[]): DerivedSet => ({
  key: 'k',
  master,
  variants,
  lqip: 'data:image/webp;base64,AA',
  color: '#102030',
});

describe('srcsetsByFormat', () => {
  it('groups variants by format, best format first, whatever order they come in', () => {
    const { groups, img } = srcsetsByFormat(
      derived([
        file('w640.jpg', 640, 'jpeg'),
        file('w960.jpg', 960, 'jpeg'),
        file('w640.avif', 640, 'avif'),
        file('w960.avif', 960, 'avif'),
        file('w640.webp', 640, 'webp'),
      ]),
    );
    expect(groups.map(({ format, variants }) => [format, variants.map((v) => v.file)])).toEqual([
      ['avif', ['/cache/k/w640.avif', '/cache/k/w960.avif']],
      ['webp', ['/cache/k/w640.webp']],
      ['jpeg', ['/cache/k/w640.jpg', '/cache/k/w960.jpg']],
    ]);
    expect(img.file).toBe('/cache/k/w960.jpg');
  });

  it('takes the <img> from the last format present', () => {
    const { groups, img } = srcsetsByFormat(
      derived([file('w640.avif', 640, 'avif'), file('w640.webp', 640, 'webp')]),
    );
    expect(groups.map((group) => group.format)).toEqual(['avif', 'webp']);
    expect(img.file).toBe('/cache/k/w640.webp');
  });

  it('falls back to the master without variants', () => {
    expect(srcsetsByFormat(derived([]))).toEqual({ groups: [], img: master });
  });
});
