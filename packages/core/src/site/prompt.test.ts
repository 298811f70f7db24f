import { describe, expect, it } from 'vitest';
import { applyStyle, autoPrompt, DEFAULT_AUTO_TEMPLATE } from './prompt.js';

describe('applyStyle', () => {
  it('puts the style first, a blank line before the prompt', () => {
    expect(applyStyle('Flat vector art.', 'A lighthouse at dusk')).toBe(
      'Flat vector art.\n\nA lighthouse at dusk',
    );
  });

  it('leaves the prompt alone without a style', () => {
    expect(applyStyle(undefined, 'A lighthouse at dusk')).toBe('A lighthouse at dusk');
    expect(applyStyle('', 'A lighthouse at dusk')).toBe('A lighthouse at dusk');
  });
});

describe('autoPrompt', () => {
  it('fills the default template with title and description', () => {
    expect(
      autoPrompt(DEFAULT_AUTO_TEMPLATE, {
        title: 'Caching images',
        description: 'How a content hash saves money.',
      }),
    ).toBe(
      'Blog header illustration for an article titled "Caching images". How a content hash saves money.',
    );
  });

  it('collapses an absent or empty description cleanly', () => {
    const expected = 'Blog header illustration for an article titled "Caching images".';
    expect(autoPrompt(DEFAULT_AUTO_TEMPLATE, { title: 'Caching images' })).toBe(expected);
    expect(autoPrompt(DEFAULT_AUTO_TEMPLATE, { title: 'Caching images', description: '  ' })).toBe(
      expected,
    );
    expect(autoPrompt('{title} {description} in pastel', { title: 'Fog' })).toBe('Fog in pastel');
  });

  it('is undefined without a title', () => {
    expect(autoPrompt(DEFAULT_AUTO_TEMPLATE, { description: 'No title here.' })).toBeUndefined();
    expect(autoPrompt(DEFAULT_AUTO_TEMPLATE, { title: ' \n ' })).toBeUndefined();
  });

  it('puts folded titles on one line and substitutes only once', () => {
    expect(
      autoPrompt('Poster: {title} / {description}', {
        title: 'A title\nmentioning {description}',
        description: 'Desc',
      }),
    ).toBe('Poster: A title mentioning {description} / Desc');
  });

  it('replaces every occurrence and keeps unicode', () => {
    expect(autoPrompt('{title} — {title}', { title: 'مرحبا 🌊' })).toBe('مرحبا 🌊 — مرحبا 🌊');
  });
});
