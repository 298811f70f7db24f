import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openWarmIndex } from '../cache/warm-index.js';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { type HeaderforgeOptions, resolveOptions } from './options.js';
import { scanContent, scanFile } from './scan.js';

let base: string;
let root: string;

beforeEach(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'headerforge-scan-'));
  root = path.join(base, 'site');
  await mkdir(root);
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function write(file: string, content: string): Promise<void> {
  const absolute = path.resolve(root, file);
  await mkdir(path.dirname(absolute), { recursive: true });
  await writeFile(absolute, content);
}

function options(input: HeaderforgeOptions = {}) {
  return resolveOptions(input, { root });
}

async function scanError(input: HeaderforgeOptions = {}): Promise<HeaderforgeError> {
  try {
    await scanContent(options(input));
  } catch (error) {
    if (error instanceof HeaderforgeError) return error;
    throw error;
  }
  throw new Error('expected scanContent to throw');
}

const blogSite = async () => {
  await write(
    'src/content/blog/first.md',
    '---\ntitle: First post\nheader: a lighthouse at dusk. Watercolour.\n---\nHello\n',
  );
  await write(
    'src/content/blog/nested/deep/second.mdx',
    [
      '---',
      'title: Second',
      'description: An MDX post',
      'header:',
      '  prompt: Paper boats on a pond',
      '  alt: Three paper boats',
      '  model: google/gemini-3-pro-image-preview',
      '  size: 2K',
      '  aspectRatio: 21:9',
      '  seed: 7',
      '  focus: top',
      '---',
      "import Chart from '../../components/Chart.astro';",
      '',
      '<Chart />',
    ].join('\n'),
  );
  await write('src/content/blog/with space ünï 灯.md', '---\nheader: "Fog 🌫️ over a bay"\n---\n');
  await write(
    'src/content/notes/no-header.md',
    '---\ntitle: Notes\ndescription: Short notes.\n---\nText\n',
  );
  await write('src/content/notes/plain.md', '# No frontmatter at all\n');
};

describe('scanContent', () => {
  it('turns md and mdx posts into jobs, in path order, with site defaults and overrides', async () => {
    await blogSite();
    const result = await scanContent(options({ style: 'Flat vector art.' }));
    expect(result.files).toBe(5);
    expect(result.skipped).toEqual([
      'src/content/notes/no-header.md',
      'src/content/notes/plain.md',
    ]);
    expect(result.jobs).toEqual([
      {
        file: 'src/content/blog/first.md',
        line: 3,
        title: 'First post',
        prompt: 'Flat vector art.\n\na lighthouse at dusk. Watercolour.',
        userPrompt: 'a lighthouse at dusk. Watercolour.',
        alt: 'A lighthouse at dusk',
        model: 'google/gemini-2.5-flash-image',
        aspectRatio: '16:9',
        imageSize: '1K',
        focus: 'attention',
        auto: false,
      },
      {
        file: 'src/content/blog/nested/deep/second.mdx',
        line: 4,
        title: 'Second',
        prompt: 'Flat vector art.\n\nPaper boats on a pond',
        userPrompt: 'Paper boats on a pond',
        alt: 'Three paper boats',
        model: 'google/gemini-3-pro-image-preview',
        aspectRatio: '21:9',
        imageSize: '2K',
        seed: 7,
        focus: 'top',
        auto: false,
      },
      {
        file: 'src/content/blog/with space ünï 灯.md',
        line: 2,
        prompt: 'Flat vector art.\n\nFog 🌫️ over a bay',
        userPrompt: 'Fog 🌫️ over a bay',
        alt: 'Fog 🌫️ over a bay',
        model: 'google/gemini-2.5-flash-image',
        aspectRatio: '16:9',
        imageSize: '1K',
        focus: 'attention',
        auto: false,
      },
    ]);
  });

  it('uses the site options for posts that do not override them', async () => {
    await blogSite();
    const { jobs } = await scanContent(
      options({
        model: 'black-forest-labs/flux.2-pro',
        aspectRatio: '3:2',
        imageSize: '2K',
        focus: 'entropy',
      }),
    );
    const first = jobs.find((job) => job.file.endsWith('first.md'));
    expect(first).toMatchObject({
      model: 'black-forest-labs/flux.2-pro',
      aspectRatio: '3:2',
      imageSize: '2K',
      focus: 'entropy',
      prompt: 'a lighthouse at dusk. Watercolour.',
    });
    const second = jobs.find((job) => job.file.endsWith('second.mdx'));
    expect(second).toMatchObject({
      model: 'google/gemini-3-pro-image-preview',
      aspectRatio: '21:9',
    });
  });

  it('builds auto prompts for posts with a title and no header', async () => {
    await blogSite();
    await write('src/content/notes/untitled.md', '---\ndescription: Nothing to call it\n---\n');
    await write('src/content/notes/opted-out.md', '---\ntitle: Private\nheader: false\n---\n');
    const result = await scanContent(options({ auto: true, style: 'Ink drawing.' }));
    const auto = result.jobs.filter((job) => job.auto);
    expect(auto).toEqual([
      {
        file: 'src/content/notes/no-header.md',
        title: 'Notes',
        prompt:
          'Ink drawing.\n\nBlog header illustration for an article titled "Notes". Short notes.',
        userPrompt: 'Blog header illustration for an article titled "Notes". Short notes.',
        alt: 'Header illustration for "Notes"',
        model: 'google/gemini-2.5-flash-image',
        aspectRatio: '16:9',
        imageSize: '1K',
        focus: 'attention',
        auto: true,
      },
    ]);
    expect(result.skipped).toEqual([
      'src/content/notes/opted-out.md',
      'src/content/notes/plain.md',
      'src/content/notes/untitled.md',
    ]);

    const custom = await scanContent(options({ auto: { template: 'Poster: {title}' } }));
    expect(custom.jobs.find((job) => job.auto)?.prompt).toBe('Poster: Notes');
  });

  it('honours a custom field, include and exclude, and never reads node_modules or dist', async () => {
    await write('posts/a.md', '---\ncover: Kites\n---\n');
    await write('posts/drafts/b.md', '---\ncover: Draft kites\n---\n');
    await write('posts/node_modules/pkg/readme.md', '---\ncover: 42\n---\n');
    await write('node_modules/pkg/readme.md', '---\ncover: 42\n---\n');
    await write('dist/posts/a.md', '---\ncover: [broken\n---\n');
    const result = await scanContent(
      options({ include: ['**/*.md'], exclude: ['posts/drafts/**'], field: 'cover' }),
    );
    expect(result.jobs.map((job) => job.file)).toEqual(['posts/a.md']);
    expect(result.files).toBe(1);
  });

  it('reads symlinked files and keeps .. and dots in paths relative to the root', async () => {
    await write('../outside/shared.md', '---\nheader: Shared post\n---\n');
    await write('content/a..b.md', '---\nheader: Dots\n---\n');
    await symlink(path.join(base, 'outside/shared.md'), path.join(root, 'content/linked.md'));
    const result = await scanContent(options({ include: ['content/*.md', '../outside/*.md'] }));
    expect(result.jobs.map((job) => [job.file, job.userPrompt])).toEqual([
      ['../outside/shared.md', 'Shared post'],
      ['content/a..b.md', 'Dots'],
      ['content/linked.md', 'Shared post'],
    ]);
  });

  it('ignores a dangling symlink (a file removed while scanning)', async () => {
    await write('content/a.md', '---\nheader: A\n---\n');
    await symlink(path.join(root, 'content/missing.md'), path.join(root, 'content/dangling.md'));
    const result = await scanContent(options({ include: ['content/*.md'] }));
    expect(result.jobs.map((job) => job.file)).toEqual(['content/a.md']);
    expect(result.skipped).toEqual([]);
  });

  it('reports every bad file in one error, sorted, each line with file:line', async () => {
    await blogSite();
    await write(
      'src/content/z-last.md',
      '---\ntitle: Z\nheader:\n  prompt: Fog\n  size: 3K\n---\n',
    );
    await write('src/content/blog/b bad.md', '---\ntitle: [oops\n---\n');
    await write('src/content/a-first.mdx', '---\nheader: { promt: Fog }\n---\n');
    const error = await scanError();
    expect(error.code).toBe('invalid_frontmatter');
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('3 content files have invalid frontmatter:');
    expect(lines[1]).toBe(
      'src/content/a-first.mdx:2: "header" needs a "prompt": a non-empty string describing the image',
    );
    expect(lines[2]).toBe(
      'src/content/a-first.mdx:2: "header.promt" is not a header key; expected one of prompt, alt, model, size, aspectRatio, seed, focus, references, candidates, pick, og (did you mean "prompt"?)',
    );
    expect(lines[3]).toMatch(
      /^src\/content\/blog\/b bad\.md:\d+: invalid YAML in the frontmatter: /,
    );
    expect(lines[4]).toBe(
      'src/content/z-last.md:5: "header.size" must be one of 0.5K, 1K, 2K, 4K; got "3K"',
    );
    expect(lines).toHaveLength(5);
    expect(error.hint).toContain('header: "A lighthouse at dusk, watercolour"');
    expect(error.hint).toContain('Fix the YAML');
  });

  it('throws the single error as is when only one file is bad', async () => {
    await blogSite();
    await write('src/content/blog/bad.md', '---\nheader: ""\n---\n');
    const error = await scanError();
    expect(error.message).toBe(
      'src/content/blog/bad.md:2: "header" is an empty prompt; write what the image should show',
    );
  });

  it('is deterministic and sorted by path whatever the write order', async () => {
    const names = ['b/z.md', 'a.md', 'b/a.md', 'B.md', 'a/b/c.md', 'é.md', '_x.md'];
    for (const name of names)
      await write(`src/content/${name}`, `---\nheader: Prompt ${name}\n---\n`);
    const first = await scanContent(options({ include: ['src/content/**/*.md'] }));
    const second = await scanContent(options({ include: ['src/content/**/*.md'] }));
    expect(second).toEqual(first);
    const files = first.jobs.map((job) => job.file);
    expect(files).toEqual([...files].sort());
    expect(files).toHaveLength(names.length);
  });

  it('scans many files with bounded reads', async () => {
    const count = 300;
    await Promise.all(
      Array.from({ length: count }, (_, index) =>
        write(
          `src/content/many/${String(index).padStart(4, '0')}.md`,
          `---\ntitle: Post ${index}\nheader: Scene ${index}\n---\n`,
        ),
      ),
    );
    const { jobs, files } = await scanContent(options());
    expect(files).toBe(count);
    expect(jobs[0]?.userPrompt).toBe('Scene 0');
    expect(jobs[count - 1]?.title).toBe(`Post ${count - 1}`);
  });
});

describe('scanFile', () => {
  it('scans one file given its absolute path', async () => {
    await blogSite();
    const job = await scanFile(
      path.join(root, 'src/content/blog/nested/deep/second.mdx'),
      options({ style: 'Ink.' }),
    );
    expect(job).toMatchObject({
      file: 'src/content/blog/nested/deep/second.mdx',
      prompt: 'Ink.\n\nPaper boats on a pond',
      seed: 7,
    });
  });

  it('returns undefined for a post without a header or a deleted file', async () => {
    await blogSite();
    expect(
      await scanFile(path.join(root, 'src/content/notes/no-header.md'), options()),
    ).toBeUndefined();
    expect(await scanFile(path.join(root, 'src/content/gone.md'), options())).toBeUndefined();
  });

  it('throws with the path relative to the root', async () => {
    await write('src/content/blog/bad.md', '---\nheader: { prompt: Fog, seed: -2 }\n---\n');
    await expect(scanFile(path.join(root, 'src/content/blog/bad.md'), options())).rejects.toThrow(
      'src/content/blog/bad.md:2: "header.seed" must be an integer ≥ 0; got -2',
    );
  });

  it('reports io problems as io errors', async () => {
    await mkdir(path.join(root, 'src/content/dir.md'), { recursive: true });
    const error = await scanFile(path.join(root, 'src/content/dir.md'), options()).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(HeaderforgeError);
    expect((error as HeaderforgeError).code).toBe('io');
    expect((error as HeaderforgeError).message).toMatch(
      /^src\/content\/dir\.md: cannot read the content file: /,
    );
  });
});

describe('scanContent with a warm index', () => {
  it('gives the same jobs from remembered files, and reads an edited one again', async () => {
    await blogSite();
    const cache = path.join(root, 'node_modules/.cache/headerforge');
    const cold = openWarmIndex(cache);
    const first = await scanContent(options(), cold);
    await cold.save();

    // A different field name parses the same files differently: never served from memory.
    const renamed = await scanContent(options({ field: 'cover' }), openWarmIndex(cache));
    expect(renamed.jobs).toEqual([]);

    const warm = await scanContent(options(), openWarmIndex(cache));
    expect(warm).toEqual(first);

    const file = path.join(root, 'src/content/blog/first.md');
    await write('src/content/blog/first.md', '---\ntitle: First post\nheader: a harbour.\n---\n');
    const later = new Date(Date.now() + 2000);
    await utimes(file, later, later);
    const edited = await scanContent(options(), openWarmIndex(cache));
    expect(edited.jobs.find((job) => job.file === 'src/content/blog/first.md')).toMatchObject({
      userPrompt: 'a harbour.',
      title: 'First post',
    });
  });
});
