import { describe, expect, it } from 'vitest';
import { autoAlt, defaultAlt } from './alt-text.js';

describe('defaultAlt', () => {
  it('upper-cases a short prompt and keeps it whole', () => {
    expect(defaultAlt('a lighthouse at dusk, watercolour')).toBe(
      'A lighthouse at dusk, watercolour',
    );
  });

  it('takes the first sentence without its full stop', () => {
    expect(
      defaultAlt('A lighthouse at dusk on a rocky coast. Watercolour, muted palette, 4k.'),
    ).toBe('A lighthouse at dusk on a rocky coast');
    expect(defaultAlt('Is this the harbour we remember? Soft light.')).toBe(
      'Is this the harbour we remember?',
    );
  });

  it('does not stop at an abbreviation early in the prompt', () => {
    expect(defaultAlt('View of St. Ives harbour at dusk. Oil painting.')).toBe(
      'View of St. Ives harbour at dusk',
    );
  });

  it('cuts long text at a word boundary with an ellipsis, within 125 characters', () => {
    const prompt = `An ${'extremely '.repeat(20)}detailed panorama of the harbour, with boats`;
    const alt = defaultAlt(prompt);
    expect(alt.length).toBeLessThanOrEqual(125);
    expect(alt.endsWith('extremely…')).toBe(true);
    expect(alt.startsWith('An extremely extremely')).toBe(true);
  });

  it('cuts text without spaces by characters, never inside an emoji', () => {
    const alt = defaultAlt('灯'.repeat(200));
    expect(alt).toBe(`${'灯'.repeat(124)}…`);
    const emoji = defaultAlt('👩‍👩‍👧'.repeat(130));
    expect(emoji).toBe(`${'👩‍👩‍👧'.repeat(124)}…`);
  });

  it('collapses line breaks and keeps RTL text', () => {
    expect(defaultAlt('  منارة عند الغسق\n  بالألوان المائية  ')).toBe(
      'منارة عند الغسق بالألوان المائية',
    );
  });
});

describe('autoAlt', () => {
  it('names the post', () => {
    expect(autoAlt('Caching  images\n')).toBe('Header illustration for "Caching images"');
  });
});
