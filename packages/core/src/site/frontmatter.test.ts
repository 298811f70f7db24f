import { describe, expect, it } from 'vitest';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { parseFrontmatter } from './frontmatter.js';

const file = 'src/content/blog/a.md';
const parse = (source: string, field = 'header') => parseFrontmatter(source, { file, field });

function failure(source: string, field = 'header'): HeaderforgeError {
  try {
    parse(source, field);
  } catch (error) {
    if (error instanceof HeaderforgeError) return error;
    throw error;
  }
  throw new Error('expected parseFrontmatter to throw');
}

describe('parseFrontmatter: valid headers', () => {
  it('reads the shorthand string with its line', () => {
    const parsed = parse('---\ntitle: Lighthouses\nheader: "A lighthouse at dusk"\n---\n# Hi\n');
    expect(parsed).toEqual({
      data: { title: 'Lighthouses', header: 'A lighthouse at dusk' },
      header: { prompt: 'A lighthouse at dusk' },
      headerLine: 3,
    });
  });

  it('reads the object form with every key', () => {
    const parsed = parse(
      [
        '---',
        'title: Lighthouses',
        'header:',
        '  prompt: A lighthouse at dusk, watercolour',
        '  alt: Watercolour of a lighthouse at dusk',
        '  model: google/gemini-3-pro-image-preview',
        '  size: 2K',
        '  aspectRatio: 21:9',
        '  seed: 2',
        '  focus: top left',
        '---',
        'Body',
      ].join('\n'),
    );
    expect(parsed.header).toEqual({
      prompt: 'A lighthouse at dusk, watercolour',
      alt: 'Watercolour of a lighthouse at dusk',
      model: 'google/gemini-3-pro-image-preview',
      size: '2K',
      aspectRatio: '21:9',
      seed: 2,
      focus: 'top left',
    });
    expect(parsed.headerLine).toBe(3);
  });

  it('accepts an empty alt as a decorative image', () => {
    expect(parse('---\nheader: { prompt: Fog, alt: "" }\n---\n').header).toEqual({
      prompt: 'Fog',
      alt: '',
    });
  });

  it('handles CRLF line endings and a byte order mark', () => {
    const parsed = parse(
      '\uFEFF---\r\ntitle: Windows\r\n\r\nheader: Rain on glass\r\n---\r\nBody\r\n',
    );
    expect(parsed.header).toEqual({ prompt: 'Rain on glass' });
    expect(parsed.data.title).toBe('Windows');
    expect(parsed.headerLine).toBe(4);
  });

  it('gives empty data to files without frontmatter', () => {
    expect(parse('# Just markdown\n\n---\nheader: not frontmatter\n---\n')).toEqual({ data: {} });
    expect(parse('')).toEqual({ data: {} });
    expect(parse('---\nheader: never closed\n')).toEqual({ data: {} });
    expect(parse('---\n---\nBody')).toEqual({ data: {} });
  });

  it('reads mdx with imports and components after the frontmatter', () => {
    const source = [
      '---',
      'title: MDX post',
      'header: Paper boats on a pond',
      '---',
      "import Chart from '../components/Chart.astro';",
      'export const meta = { a: 1 };',
      '',
      '---',
      '<Chart data={[1, 2]} />',
    ].join('\n');
    const parsed = parse(source);
    expect(parsed.header).toEqual({ prompt: 'Paper boats on a pond' });
    expect(parsed.data).toEqual({ title: 'MDX post', header: 'Paper boats on a pond' });
  });

  it('treats null and absent headers as none, and false as opted out', () => {
    expect(parse('---\ntitle: A\nheader:\n---\n')).toEqual({ data: { title: 'A', header: null } });
    expect(parse('---\ntitle: A\n---\n')).toEqual({ data: { title: 'A' } });
    expect(parse('---\ntitle: A\nheader: false\n---\n')).toEqual({
      data: { title: 'A', header: false },
      headerLine: 3,
      headerDisabled: true,
    });
  });

  it('reads a custom field name', () => {
    const parsed = parse('---\nheader: ignored\ncover: A red kite\n---\n', 'cover');
    expect(parsed.header).toEqual({ prompt: 'A red kite' });
    expect(parsed.headerLine).toBe(3);
  });

  it('keeps unicode, RTL and emoji prompts verbatim, trimming only the ends', () => {
    const prompts = [
      'منارة عند الغسق، ألوان مائية',
      'מגדלור בשקיעה \u200Fעם סירות',
      '灯台と夕暮れ 🌅🚢 — 水彩',
      'Family 👩‍👩‍👧 on a beach,  two spaces kept',
    ];
    for (const prompt of prompts) {
      const parsed = parse(`---\nheader:\n  prompt: "  ${prompt}\\t"\n---\n`);
      expect(parsed.header?.prompt).toBe(prompt);
    }
  });

  it('keeps a 10 KB prompt whole', () => {
    const prompt = 'A very detailed scene with many small boats. '.repeat(230).trim();
    expect(prompt.length).toBeGreaterThan(10_000);
    expect(parse(`---\nheader: ${JSON.stringify(prompt)}\n---\n`).header?.prompt).toBe(prompt);
    const folded = parse(`---\nheader:\n  prompt: >-\n    ${prompt}\n---\n`);
    expect(folded.header?.prompt).toBe(prompt);
  });
});

describe('parseFrontmatter: the fast reader and the YAML parser agree', () => {
  // An anchor is beyond the fast reader, so the same post then goes through `yaml`.
  const throughYaml = (source: string) => source.replace(/\n---\n/, '\nzz: &anchor x\n---\n');

  it.each([
    ['shorthand', '---\ntitle: T\nheader: "A lighthouse at dusk"\n---\n'],
    ['object', '---\ntitle: T\nheader:\n  prompt: Fog\n  seed: 3\n  size: 0.5K\n---\n'],
    ['opted out', '---\n\nheader: false\n---\n'],
    ['no header', '---\ntitle: T\ntags: [a, b]\n---\n'],
  ])('%s', (_, source) => {
    const fast = parse(source);
    const full = parse(throughYaml(source));
    expect(full.data.zz).toBe('x');
    delete full.data.zz;
    expect(full).toEqual(fast);
  });
});

describe('parseFrontmatter: errors', () => {
  it('points at the offending nested key with the expected values', () => {
    const error = failure(
      '---\ntitle: A\ndraft: false\nheader:\n  prompt: A lighthouse\n  size: 3K\n---\n',
    );
    expect(error.code).toBe('invalid_frontmatter');
    expect(error.message).toBe(
      'src/content/blog/a.md:6: "header.size" must be one of 0.5K, 1K, 2K, 4K; got "3K"',
    );
    expect(error.hint).toContain('header: "A lighthouse at dusk, watercolour"');
    expect(error.hint).toContain('header: { prompt:');
  });

  it('names "header.og" with what its lang takes, and keeps a good tag in its canonical case', () => {
    const { message } = failure(
      '---\ntitle: T\nheader:\n  prompt: Fog\n  og: { lang: zh_TW }\n---\n',
    );
    expect(message).toMatch(/^src\/content\/blog\/a\.md:5: "header\.og" must be /);
    expect(message).toContain('lang?: a BCP 47 language tag such as "ja", "zh-TW" or "zh-Hans"');
    expect(message.endsWith('; got {"lang":"zh_TW"}')).toBe(true);
    expect(
      parse('---\ntitle: T\nheader:\n  prompt: Fog\n  og: { lang: zh-hant }\n---\n').header,
    ).toMatchObject({ og: { lang: 'zh-Hant' } });
  });

  it.each([
    ['seed: -1', 'seed', 'an integer ≥ 0', '-1'],
    ['seed: 1.5', 'seed', 'an integer ≥ 0', '1.5'],
    ['seed: "2"', 'seed', 'an integer ≥ 0', '"2"'],
    ['aspectRatio: 16x9', 'aspectRatio', 'one of 1:1, 2:3', '"16x9"'],
    ['focus: middle', 'focus', 'one of attention, entropy, center', '"middle"'],
    ['model: ""', 'model', 'an OpenRouter model id', '""'],
    ['alt: 42', 'alt', 'a string', '42'],
    ['prompt: [a, b]', 'prompt', 'a non-empty string', '["a","b"]'],
    ['prompt: "   "', 'prompt', 'a non-empty string', '"   "'],
  ])('%s → names "header.%s" on its line', (line, key, expected, received) => {
    const prompt = key === 'prompt' ? '' : '  prompt: Fog\n';
    const { message } = failure(`---\ntitle: T\nheader:\n${prompt}  ${line}\n---\n`);
    const lineNumber = key === 'prompt' ? 4 : 5;
    expect(message).toMatch(
      new RegExp(`^src/content/blog/a\\.md:${lineNumber}: "header\\.${key}" must be `),
    );
    expect(message).toContain(expected);
    expect(message.endsWith(`; got ${received}`)).toBe(true);
  });

  it('names unknown header keys with a suggestion', () => {
    const { message } = failure('---\nheader:\n  prompt: Fog\n  sise: 2K\n  colour: red\n---\n');
    expect(message.split('\n')).toEqual([
      'src/content/blog/a.md:4: "header.sise" is not a header key; expected one of prompt, alt, model, size, aspectRatio, seed, focus, references, candidates, pick, og (did you mean "size"?)',
      'src/content/blog/a.md:5: "header.colour" is not a header key; expected one of prompt, alt, model, size, aspectRatio, seed, focus, references, candidates, pick, og',
    ]);
  });

  it('reports every problem of one header, in line order', () => {
    const { message } = failure('---\nheader: { seed: x, size: 9K }\n---\n');
    expect(message.split('\n')).toEqual([
      'src/content/blog/a.md:2: "header" needs a "prompt": a non-empty string describing the image',
      'src/content/blog/a.md:2: "header.seed" must be an integer ≥ 0; got "x"',
      'src/content/blog/a.md:2: "header.size" must be one of 0.5K, 1K, 2K, 4K; got "9K"',
    ]);
  });

  it('rejects an empty shorthand prompt', () => {
    expect(failure('---\ntitle: T\nheader: "  "\n---\n').message).toBe(
      'src/content/blog/a.md:3: "header" is an empty prompt; write what the image should show',
    );
  });

  it('rejects a header of the wrong type', () => {
    expect(failure('---\nheader: 42\n---\n').message).toBe(
      'src/content/blog/a.md:2: "header" must be a prompt string or an object with a "prompt"; got 42',
    );
    expect(failure('---\n\ncover:\n  - a\n---\n', 'cover').message).toBe(
      'src/content/blog/a.md:4: "cover" must be a prompt string or an object with a "prompt"; got ["a"]',
    );
  });

  it('reports malformed YAML at its line in the file', () => {
    const error = failure('---\ntitle: A\ntags: [a, b\nheader: Fog\n---\n');
    expect(error.code).toBe('invalid_frontmatter');
    expect(error.message).toMatch(
      /^src\/content\/blog\/a\.md:4: invalid YAML in the frontmatter: Flow sequence/,
    );
    expect(error.hint).toContain('---');

    const tab = failure('---\ntitle: A\n\tbad: tab\n---\n');
    expect(tab.message).toBe(
      'src/content/blog/a.md:3: invalid YAML in the frontmatter: Tabs are not allowed as indentation',
    );

    const duplicate = failure('\uFEFF---\r\ntitle: A\r\ntitle: B\r\n---\r\n');
    expect(duplicate.message).toMatch(
      /^src\/content\/blog\/a\.md:3: invalid YAML in the frontmatter: .*unique/,
    );
  });

  it('rejects frontmatter that is not a mapping', () => {
    expect(failure('---\n- a\n- b\n---\n').message).toMatch(
      /^src\/content\/blog\/a\.md:2: the frontmatter must be a YAML mapping/,
    );
  });
});
