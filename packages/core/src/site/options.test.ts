import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { headerforgeOptionsSchema, resolveOptions } from './options.js';
import { DEFAULT_AUTO_TEMPLATE } from './prompt.js';

const root = path.resolve('/site');

function problemsOf(input: unknown): HeaderforgeError {
  try {
    resolveOptions(input, { root });
  } catch (error) {
    if (error instanceof HeaderforgeError) return error;
    throw error;
  }
  throw new Error('expected resolveOptions to throw');
}

describe('resolveOptions defaults', () => {
  it('fills every default and makes the cache folders absolute', () => {
    const options = resolveOptions(undefined, { root: '/site' });
    expect(options).toEqual({
      root,
      include: ['src/content/**/*.{md,mdx}'],
      exclude: [],
      field: 'header',
      model: 'google/gemini-2.5-flash-image',
      aspectRatio: '16:9',
      imageSize: '1K',
      auto: false,
      references: [],
      candidates: 1,
      review: true,
      concurrency: 4,
      cacheDir: path.join(root, '.headerforge'),
      derivedCacheDir: path.join(root, 'node_modules/.cache/headerforge'),
      widths: [640, 960, 1280, 1600],
      formats: ['avif', 'webp', 'jpeg'],
      og: { layout: 'bottom-left', overlay: 0.55, sizes: [{ width: 1200, height: 630 }] },
      focus: 'attention',
      timeoutMs: 180_000,
      maxRetries: 2,
      transport: 'auto',
      lookupCost: false,
      original: 'compact',
      outsideRoot: [],
    });
  });

  it('treats null like no options', () => {
    expect(resolveOptions(null, { root }).field).toBe('header');
  });

  it('keeps what the user set and resolves a relative root', () => {
    const options = resolveOptions(
      {
        include: ['posts/**/*.md'],
        model: 'black-forest-labs/flux.2-pro',
        aspectRatio: '4:1',
        imageSize: '0.5K',
        style: '  Flat vector art.  ',
        cacheDir: '../shared-cache',
        outsideRoot: ['../shared-cache'],
        mode: 'cache-only',
        maxNewImages: 0,
        maxCostUsd: 1.5,
        baseURL: 'http://127.0.0.1:8787/api/v1',
      },
      { root: 'relative/site' },
    );
    const absolute = path.resolve('relative/site');
    expect(options.root).toBe(absolute);
    expect(options.cacheDir).toBe(path.resolve(absolute, '../shared-cache'));
    expect(options.style).toBe('Flat vector art.');
    expect(options.aspectRatio).toBe('4:1');
    expect(options.imageSize).toBe('0.5K');
    expect(options.mode).toBe('cache-only');
    expect(options.maxNewImages).toBe(0);
    expect(options.maxCostUsd).toBe(1.5);
    expect(options.baseURL).toBe('http://127.0.0.1:8787/api/v1');
  });

  it('dedupes and sorts widths, and orders formats best first', () => {
    const options = resolveOptions(
      { widths: [1280, 640, 1280, 320], formats: ['jpeg', 'avif', 'jpeg'] },
      { root },
    );
    expect(options.widths).toEqual([320, 640, 1280]);
    expect(options.formats).toEqual(['avif', 'jpeg']);
  });

  it('turns auto: true into the default template and keeps a custom one', () => {
    expect(resolveOptions({ auto: true }, { root }).auto).toEqual({
      template: DEFAULT_AUTO_TEMPLATE,
    });
    expect(resolveOptions({ auto: { template: 'Poster for {title}' } }, { root }).auto).toEqual({
      template: 'Poster for {title}',
    });
    expect(resolveOptions({ auto: false }, { root }).auto).toBe(false);
  });

  it('does not share default arrays between calls', () => {
    const first = resolveOptions({}, { root });
    first.include.push('mutated');
    first.widths.push(1);
    const second = resolveOptions({}, { root });
    expect(second.include).toEqual(['src/content/**/*.{md,mdx}']);
    expect(second.widths).toEqual([640, 960, 1280, 1600]);
  });
});

describe('resolveOptions errors', () => {
  it('names the option, the expected value and what it got', () => {
    const error = problemsOf({ concurrency: 'four' });
    expect(error.code).toBe('invalid_option');
    expect(error.message).toBe(
      'Invalid headerforge option "concurrency": expected an integer from 1 to 32, got "four"',
    );
    expect(error.hint).toMatch(/headerforge\(\{ … \}\).*vite\.config.*astro\.config/);
  });

  it.each([
    [{ concurrency: 33 }, 'concurrency', 'an integer from 1 to 32', '33'],
    [{ concurrency: 2.5 }, 'concurrency', 'an integer from 1 to 32', '2.5'],
    [{ include: [] }, 'include', 'a non-empty list of glob strings', '[]'],
    [{ include: 'src/**/*.md' }, 'include', 'a non-empty list of glob strings', '"src/**/*.md"'],
    [{ widths: [640, -1] }, 'widths', 'a non-empty list of positive integers', '[640,-1]'],
    [{ formats: ['png'] }, 'formats', 'a non-empty list of avif, webp, jpeg', '["png"]'],
    [{ aspectRatio: '16/9' }, 'aspectRatio', 'one of 1:1, 2:3', '"16/9"'],
    [{ imageSize: '3K' }, 'imageSize', 'one of 0.5K, 1K, 2K, 4K', '"3K"'],
    [{ focus: 'middle' }, 'focus', 'one of attention, entropy, center', '"middle"'],
    [{ mode: 'live' }, 'mode', 'one of generate, cache-only, placeholder, off', '"live"'],
    [{ style: '   ' }, 'style', 'a non-empty string', '"   "'],
    [{ og: 'yes' }, 'og', 'true or false', '"yes"'],
    [{ maxNewImages: -1 }, 'maxNewImages', 'an integer ≥ 0', '-1'],
    [{ maxCostUsd: Number.NaN }, 'maxCostUsd', 'a number ≥ 0', 'NaN'],
    [{ timeoutMs: 500 }, 'timeoutMs', 'an integer ≥ 1000', '500'],
    [{ maxRetries: 11 }, 'maxRetries', 'an integer from 0 to 10', '11'],
    [{ baseURL: 'ftp://example.com' }, 'baseURL', 'an http(s) URL', '"ftp://example.com"'],
    [{ auto: 'yes' }, 'auto', 'true, false or { template: string }', '"yes"'],
    [{ auto: { template: 'A header' } }, 'auto', 'contains {title}', '{"template":"A header"}'],
  ])('%j → names "%s"', (input, option, expected, received) => {
    const { message } = problemsOf(input);
    expect(message).toMatch(new RegExp(`^Invalid headerforge option "${option}": expected `));
    expect(message).toContain(expected);
    expect(message.endsWith(`, got ${received}`)).toBe(true);
  });

  it('suggests the closest option for an unknown key', () => {
    expect(problemsOf({ widht: [640] }).message).toBe(
      'Unknown headerforge option "widht" (did you mean "widths"?)',
    );
    expect(problemsOf({ size: '2K' }).message).toBe(
      'Unknown headerforge option "size" (did you mean "imageSize"?)',
    );
    expect(problemsOf({ Concurrency: 2 }).message).toContain('(did you mean "concurrency"?)');
  });

  it('does not guess when nothing is close', () => {
    expect(problemsOf({ telemetry: true }).message).toBe('Unknown headerforge option "telemetry"');
  });

  it('shows the whole value when a key inside auto is unknown', () => {
    expect(problemsOf({ auto: { templat: '{title}' } }).message).toBe(
      'Invalid headerforge option "auto": expected true, false or { template: string } where the template contains {title}, got {"templat":"{title}"}',
    );
  });

  it('lists every problem in one error', () => {
    const { message } = problemsOf({ concurrency: 0, widht: [1], og: 1, include: [''] });
    const lines = message.split('\n');
    expect(lines[0]).toBe('4 problems with the headerforge options:');
    expect(lines.slice(1)).toEqual([
      '  - Invalid headerforge option "include": expected a non-empty list of glob strings, got [""]',
      '  - Invalid headerforge option "concurrency": expected an integer from 1 to 32, got 0',
      '  - Invalid headerforge option "og": expected true or false, or { title?, layout?, font?, logo?, siteName?, overlay?, sizes?, lang? }, got 1',
      '  - Unknown headerforge option "widht" (did you mean "widths"?)',
    ]);
  });

  it('reports an option once however many of its checks fail', () => {
    const { message } = problemsOf({ widths: [-1, 0, 1.5] });
    expect(message.split('\n')).toHaveLength(1);
  });

  it('rejects options that are not an object', () => {
    expect(problemsOf('fast').message).toBe(
      'Invalid headerforge options: expected an object, got "fast"',
    );
    expect(problemsOf([]).message).toBe('Invalid headerforge options: expected an object, got []');
  });
});

describe('option documentation', () => {
  it('gives every option a description and an expected value for the README table', () => {
    const schema = z.toJSONSchema(headerforgeOptionsSchema, { io: 'input' });
    const properties = Object.entries(schema.properties ?? {});
    expect(properties.length).toBe(Object.keys(headerforgeOptionsSchema.shape).length);
    for (const [name, property] of properties) {
      expect(typeof property, name).toBe('object');
      const { description, expected } = property as { description?: unknown; expected?: unknown };
      expect(description, name).toMatch(/^[A-Z`].{15,}[.)]$/s);
      expect(expected, name).toEqual(expect.any(String));
    }
  });
});

describe('cacheDir outside the project root', () => {
  it('is refused through .. or an absolute path, naming the option and the way out', () => {
    for (const cacheDir of ['../shared-cache', path.resolve('/elsewhere/cache')]) {
      const error = problemsOf({ cacheDir });
      expect(error.code).toBe('invalid_option');
      expect(error.message).toMatch(
        /^Invalid headerforge option "cacheDir": ".*" is outside the project root/,
      );
      expect(error.hint).toContain(`outsideRoot: [${JSON.stringify(cacheDir)}]`);
    }
  });

  it('is refused through a symlink, and allowed by outsideRoot', async () => {
    const site = await mkdtemp(path.join(tmpdir(), 'hf-options-site-'));
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'hf-options-elsewhere-'));
    try {
      await symlink(elsewhere, path.join(site, 'cache-link'));
      expect(() => resolveOptions({ cacheDir: 'cache-link/images' }, { root: site })).toThrow(
        /"cacheDir": "cache-link\/images" is outside the project root \(.*\), through a symlink to .*hf-options-elsewhere-.*images/,
      );
      const allowed = resolveOptions(
        { cacheDir: 'cache-link/images', outsideRoot: [elsewhere] },
        { root: site },
      );
      expect(allowed.cacheDir).toBe(path.join(site, 'cache-link/images'));
      expect(
        resolveOptions({ cacheDir: '../x', outsideRoot: ['..'] }, { root: site }).cacheDir,
      ).toBe(path.resolve(site, '../x'));
    } finally {
      await rm(site, { recursive: true, force: true });
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});
