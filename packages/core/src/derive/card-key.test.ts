import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type CardKeyInput, cardKey, cardRendererVersions } from './card-key.js';

const input: CardKeyInput = {
  originalSha256: 'ab'.repeat(32),
  focus: 'attention',
  size: { width: 1200, height: 630 },
  title: 'The lighthouse',
  placeholder: false,
  settings: { layout: 'bottom-left', overlay: 0.55, sizes: [{ width: 1200, height: 630 }] },
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('cardKey', () => {
  it('is the sha256 of its canonical JSON, which names no language unless one is set', () => {
    // Spelled out: the cards made before `og.lang` existed keep their keys.
    const canonical = {
      renderer: cardRendererVersions(),
      original: 'ab'.repeat(32),
      focus: 'attention',
      size: [1200, 630],
      title: 'The lighthouse',
      placeholder: false,
      layout: 'bottom-left',
      overlay: 0.55,
      siteName: null,
      font: null,
      logo: null,
    };
    expect(cardKey(input)).toBe(sha256(JSON.stringify(canonical)));
    const inTaiwan = { ...input, settings: { ...input.settings, lang: 'zh-TW' } };
    expect(cardKey(inTaiwan)).toBe(sha256(JSON.stringify({ ...canonical, lang: 'zh-TW' })));
    expect(cardKey(inTaiwan)).not.toBe(cardKey(input));
  });
});
