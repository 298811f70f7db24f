import { describe, expect, it } from 'vitest';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { type HeaderValues, setHeaderKeys } from './frontmatter-edit.js';

const file = 'posts/lighthouse.md';
const set = (source: string, values: HeaderValues, field = 'header') =>
  setHeaderKeys(source, field, values, { file });

function failure(source: string, values: HeaderValues, field = 'header'): HeaderforgeError {
  try {
    set(source, values, field);
  } catch (error) {
    if (error instanceof HeaderforgeError) return error;
    throw error;
  }
  throw new Error('expected setHeaderKeys to throw');
}

const post = (frontmatter: string, body = '\nThe post.\n') => `---\n${frontmatter}---\n${body}`;

describe('setHeaderKeys: a block map header', () => {
  const source = post(
    [
      'title: Lighthouse',
      'header:',
      '  prompt: "A lighthouse at dusk"   # a comment',
      '',
      '  candidates: 3 # three to choose from',
      "  alt: 'Lit'",
      'tags: [sea]',
      '',
    ].join('\n'),
  );

  it('replaces a key in place, keeping its comment', () => {
    expect(set(source, { candidates: 4 })).toBe(
      source.replace('candidates: 3 #', 'candidates: 4 #'),
    );
  });

  it('adds a missing key on a new line after the last entry, at the map’s indentation', () => {
    expect(set(source, { pick: 2 })).toBe(
      source.replace("  alt: 'Lit'\n", "  alt: 'Lit'\n  pick: 2\n"),
    );
  });

  it('does both at once, new keys in the order given', () => {
    expect(set(source, { seed: 1, candidates: 5, pick: 1 })).toBe(
      post(
        [
          'title: Lighthouse',
          'header:',
          '  prompt: "A lighthouse at dusk"   # a comment',
          '',
          '  candidates: 5 # three to choose from',
          "  alt: 'Lit'",
          '  seed: 1',
          '  pick: 1',
          'tags: [sea]',
          '',
        ].join('\n'),
      ),
    );
  });

  it('adds after a trailing comment on the last entry, and at a four-space indentation', () => {
    const deep = post('header:\n    prompt: Dusk\n    seed: 2 # the second try\n\n# done\n');
    expect(set(deep, { pick: 3 })).toBe(
      post('header:\n    prompt: Dusk\n    seed: 2 # the second try\n    pick: 3\n\n# done\n'),
    );
  });

  it('adds after a folded prompt that ends the map', () => {
    const folded = post('header:\n  prompt: >\n    A lighthouse\n    at dusk\n\ntitle: L\n');
    expect(set(folded, { pick: 2 })).toBe(
      post('header:\n  prompt: >\n    A lighthouse\n    at dusk\n  pick: 2\n\ntitle: L\n'),
    );
  });

  it('writes strings double-quoted', () => {
    expect(set(post('header:\n  prompt: Dusk\n'), { alt: 'A "lit" tower: dusk' })).toBe(
      post('header:\n  prompt: Dusk\n  alt: "A \\"lit\\" tower: dusk"\n'),
    );
  });

  it('edits the site’s own field name', () => {
    const cover = post('header: keep me\ncover:\n  prompt: Dusk\n');
    expect(set(cover, { pick: 2 }, 'cover')).toBe(
      post('header: keep me\ncover:\n  prompt: Dusk\n  pick: 2\n'),
    );
  });
});

describe('setHeaderKeys: a flow map header', () => {
  it('replaces a key in place', () => {
    expect(set(post('header: { prompt: x, seed: 2 } # c\n'), { seed: 3 })).toBe(
      post('header: { prompt: x, seed: 3 } # c\n'),
    );
  });

  it('adds a key before the closing brace', () => {
    expect(set(post('header: { prompt: "x", seed: 2 }\n'), { pick: 2 })).toBe(
      post('header: { prompt: "x", seed: 2, pick: 2 }\n'),
    );
    expect(set(post('header: {prompt: x}\n'), { seed: 1, pick: 2 })).toBe(
      post('header: {prompt: x, seed: 1, pick: 2}\n'),
    );
  });
});

describe('setHeaderKeys: a shorthand header', () => {
  it('becomes a block map whose prompt is the shorthand as written', () => {
    expect(set(post('title: L\nheader: "A lighthouse"\n'), { pick: 2 })).toBe(
      post('title: L\nheader:\n  prompt: "A lighthouse"\n  pick: 2\n'),
    );
    expect(set(post("header: 'It''s dusk' # mine\nx: 1\n"), { seed: 1, pick: 2 })).toBe(
      post("header:\n  prompt: 'It''s dusk' # mine\n  seed: 1\n  pick: 2\nx: 1\n"),
    );
    expect(set(post('header: A lighthouse, at dusk\n'), { pick: 2 })).toBe(
      post('header:\n  prompt: A lighthouse, at dusk\n  pick: 2\n'),
    );
  });

  it('moves a multi-line prompt’s continuation lines in, keeping its text', () => {
    expect(set(post('header: A lighthouse\n  at dusk\nx: 1\n'), { pick: 2 })).toBe(
      post('header:\n  prompt: A lighthouse\n    at dusk\n  pick: 2\nx: 1\n'),
    );
    expect(set(post('header: >-\n  A lighthouse\n\n  at dusk\nx: 1\n'), { pick: 2 })).toBe(
      post('header:\n  prompt: >-\n    A lighthouse\n\n    at dusk\n  pick: 2\nx: 1\n'),
    );
  });
});

describe('setHeaderKeys: every other byte', () => {
  it('keeps CRLF line endings', () => {
    const crlf = '---\r\ntitle: L\r\nheader:\r\n  prompt: Dusk # c\r\n---\r\nBody\r\n';
    expect(set(crlf, { pick: 2 })).toBe(
      '---\r\ntitle: L\r\nheader:\r\n  prompt: Dusk # c\r\n  pick: 2\r\n---\r\nBody\r\n',
    );
    expect(set('---\r\nheader: "Dusk"\r\n---\r\n', { pick: 2 })).toBe(
      '---\r\nheader:\r\n  prompt: "Dusk"\r\n  pick: 2\r\n---\r\n',
    );
  });

  it('keeps a byte order mark', () => {
    expect(set('\uFEFF---\nheader: Dusk\n---\nBody\n', { seed: 1 })).toBe(
      '\uFEFF---\nheader:\n  prompt: Dusk\n  seed: 1\n---\nBody\n',
    );
  });

  it('leaves a body containing --- and header-like lines alone', () => {
    const body = '\nheader: not this one\n\n---\n\nheader:\n  prompt: nor this\n---\n';
    expect(set(post('header:\n  prompt: Dusk\n', body), { pick: 2 })).toBe(
      post('header:\n  prompt: Dusk\n  pick: 2\n', body),
    );
  });
});

describe('setHeaderKeys: posts it cannot edit', () => {
  it('a post without the field, or without frontmatter, says to give it a prompt', () => {
    for (const source of [post('title: L\n'), 'Just a body.\n']) {
      const error = failure(source, { pick: 2 });
      expect(error.code).toBe('invalid_option');
      expect(error.message).toBe(`${file}: no "header" in its frontmatter to set pick in`);
      expect(error.hint).toContain('header: "A lighthouse at dusk"');
    }
  });

  it('a header set to false says so', () => {
    const error = failure(post('header: false\n'), { seed: 1 });
    expect(error.code).toBe('invalid_option');
    expect(error.message).toBe(
      `${file}: "header" is false (no header image), so there is no seed to set`,
    );
  });

  it('invalid frontmatter is the parser’s error, naming the line', () => {
    const error = failure(post('header:\n  prompt: [unclosed\n'), { pick: 2 });
    expect(error.code).toBe('invalid_frontmatter');
    expect(error.message).toMatch(/^posts\/lighthouse\.md:\d+: invalid YAML/);
  });

  it('a header it cannot edit without rewriting more is left to a person', () => {
    for (const source of [
      post('base: &p { prompt: Dusk }\nheader: *p\n'),
      post('header: !!str Dusk\n'),
      post('{ title: L, header: Dusk }\n'),
    ]) {
      const error = failure(source, { pick: 2 });
      expect(error.code).toBe('invalid_frontmatter');
      expect(error.message).toBe(
        `${file}: cannot set pick in "header" without rewriting more of its frontmatter`,
      );
    }
  });
});
