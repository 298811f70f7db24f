import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { HeaderResult } from '../pipeline/summary.js';
import { findHeader, type PostReference } from './find-header.js';
import { headersModuleCode, type ModuleFields } from './headers-module.js';

const header = (file: string, placeholder = false): HeaderResult => {
  const dir = `/cache/${file.replace(/\W/g, '-')}`;
  return {
    job: {
      file,
      prompt: `Style. Prompt for ${file}`,
      userPrompt: `Prompt for ${file}`,
      alt: `Alt for "${file}"`,
      model: 'm',
      aspectRatio: '16:9',
      imageSize: '1K',
      focus: 'center',
      auto: false,
    },
    key: file,
    source: 'cache',
    placeholder,
    original: { file: `${dir}/original.png`, width: 1344, height: 768, sha256: 'x' },
    derived: {
      key: file,
      master: { file: `${dir}/master.png`, width: 1344, height: 756, format: 'png', bytes: 1 },
      variants: [],
      lqip: 'data:image/webp;base64,AA',
      color: '#102030',
    },
  };
};

const headers = [
  header('src/content/blog/a.md'),
  header('src/content/blog/nested/b.mdx', true),
  header('posts/a.md'),
];

describe('headersModuleCode', () => {
  it('imports files in the order the fields ask for them, and writes the fields in order', () => {
    const fields: ModuleFields = ({ derived, job, placeholder }, importFile) => ({
      image: importFile(derived.master.file, 'image'),
      original: importFile(derived.master.file),
      alt: JSON.stringify(job.alt),
      isPlaceholder: String(placeholder),
    });
    const code = headersModuleCode(headers.slice(0, 2), fields);
    expect(code.split('\n').slice(0, 8)).toEqual([
      'import image0 from "/cache/src-content-blog-a-md/master.png";',
      'import u1 from "/cache/src-content-blog-a-md/master.png";',
      'import image2 from "/cache/src-content-blog-nested-b-mdx/master.png";',
      'import u3 from "/cache/src-content-blog-nested-b-mdx/master.png";',
      'export const headers = {',
      '  "src/content/blog/a.md": { image: image0, original: u1, alt: "Alt for \\"src/content/blog/a.md\\"", isPlaceholder: false },',
      '  "src/content/blog/nested/b.mdx": { image: image2, original: u3, alt: "Alt for \\"src/content/blog/nested/b.mdx\\"", isPlaceholder: true },',
      '};',
    ]);
    expect(code).toContain('export function getHeader(pathOrEntry)');
    expect(code.trimEnd().endsWith('export default headers;')).toBe(true);
  });

  describe('its getHeader', () => {
    const dir = mkdtemp(join(tmpdir(), 'headerforge-module-'));
    afterAll(async () => rm(await dir, { recursive: true, force: true }));

    type HeadersModule = {
      default: Record<string, { file: string }>;
      getHeader(reference: PostReference): { file: string } | undefined;
    };
    let loaded: Promise<HeadersModule> | undefined;
    // The module as a page gets it: a file of its own, evaluated without core.
    const load = () => (loaded ??= evaluate());
    const evaluate = async () => {
      const code = headersModuleCode(headers, ({ job }) => ({ file: JSON.stringify(job.file) }));
      const file = join(await dir, 'headers.mjs');
      await writeFile(file, code);
      return (await import(pathToFileURL(file).href)) as HeadersModule;
    };
    const byPath = new Map(headers.map((entry) => [entry.job.file, entry]));

    const cases: [string, PostReference, string | undefined][] = [
      ['an exact key', 'src/content/blog/a.md', 'src/content/blog/a.md'],
      ['a ./-prefixed path', './posts/a.md', 'posts/a.md'],
      ['backslashes', 'src\\content\\blog\\nested\\b.mdx', 'src/content/blog/nested/b.mdx'],
      ['an absolute path', '/home/me/site/src/content/blog/a.md', 'src/content/blog/a.md'],
      ['an absolute Windows path', 'C:\\site\\posts\\a.md', 'posts/a.md'],
      ['an entry with a filePath', { filePath: 'src/content/blog/a.md' }, 'src/content/blog/a.md'],
      ['an entry with a file', { file: 'posts/a.md' }, 'posts/a.md'],
      ['an unknown path', 'src/content/blog/c.md', undefined],
      ['a path that only shares a name', '/site/xposts/a.md', undefined],
      ['an entry without a path', {}, undefined],
    ];

    it.each(cases)('finds what findHeader finds for %s', async (_name, reference, expected) => {
      const module = await load();
      expect(module.getHeader(reference)?.file).toBe(expected);
      expect(findHeader(byPath, reference)?.job.file).toBe(expected);
      if (expected !== undefined)
        expect(module.getHeader(reference)).toBe(module.default[expected]);
    });
  });
});
