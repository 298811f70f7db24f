import { mkdir, mkdtemp, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openWarmIndex } from '../cache/warm-index.js';
import { listContent } from './content-listing.js';
import { type HeaderforgeOptions, resolveOptions } from './options.js';

let base: string;
let root: string;
let cache: string;

beforeEach(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'headerforge-listing-'));
  root = path.join(base, 'site');
  cache = path.join(base, 'cache');
  await mkdir(root);
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function write(file: string, content = '---\nheader: x\n---\n'): Promise<void> {
  const absolute = path.resolve(root, file);
  await mkdir(path.dirname(absolute), { recursive: true });
  await writeFile(absolute, content);
}

/** One build's listing: a fresh index from the cache folder, saved afterwards. */
async function list(input: HeaderforgeOptions = {}): Promise<string[]> {
  const index = openWarmIndex(cache);
  const files = await listContent(resolveOptions(input, { root }), index);
  await index.save();
  return files;
}

/**
 * Pins a folder's mtime to a whole second (which `utimes` sets exactly); the function it
 * returns puts it back there after a change, so that only a remembered listing misses it.
 */
async function pinMtime(folder: string): Promise<() => Promise<void>> {
  const whole = new Date(Math.floor((await stat(folder)).mtimeMs / 1000) * 1000 - 5000);
  await utimes(folder, whole, whole);
  return () => utimes(folder, whole, whole);
}

describe('listContent', () => {
  it('takes the last listing while no folder changed, and lists again once one did', async () => {
    await write('src/content/blog/a.md');
    await write('src/content/blog/2025/b.md');
    await write('src/content/notes/c.mdx');
    const blog = path.join(root, 'src/content/blog');
    const restoreBlog = await pinMtime(blog);
    const first = await list();
    expect(first).toEqual([
      'src/content/blog/2025/b.md',
      'src/content/blog/a.md',
      'src/content/notes/c.mdx',
    ]);
    // The listing is remembered: a file slipped into a folder whose mtime is then put back
    // is not seen (the same trust as every warm-index fact), which shows the glob did not run.
    await write('src/content/blog/hidden.md');
    await restoreBlog();
    expect(await list()).toEqual(first);

    // Each kind of change is seen: a new file, a new folder with a file, a rename, a removal.
    await write('src/content/blog/2025/d.md');
    expect(await list()).toContain('src/content/blog/2025/d.md');
    await write('src/content/blog/2026/e.md');
    expect(await list()).toContain('src/content/blog/2026/e.md');
    await rename(path.join(blog, 'a.md'), path.join(blog, 'renamed.md'));
    await rm(path.join(root, 'src/content/notes/c.mdx'));
    expect(await list()).toEqual([
      'src/content/blog/2025/b.md',
      'src/content/blog/2025/d.md',
      'src/content/blog/2026/e.md',
      'src/content/blog/hidden.md',
      'src/content/blog/renamed.md',
    ]);
  });

  it('sees a file added to a folder that had none, and lists anew when the globs change', async () => {
    await write('src/content/blog/a.md');
    await mkdir(path.join(root, 'src/content/empty/deeper'), { recursive: true });
    expect(await list()).toEqual(['src/content/blog/a.md']);
    await write('src/content/empty/deeper/new.md');
    expect(await list()).toEqual(['src/content/blog/a.md', 'src/content/empty/deeper/new.md']);
    // Another exclude is another listing, even with no folder changed.
    expect(await list({ exclude: ['src/content/empty/**'] })).toEqual(['src/content/blog/a.md']);
    expect(await list({ include: ['src/content/empty/**/*.md'] })).toEqual([
      'src/content/empty/deeper/new.md',
    ]);
  });

  it('never remembers a listing through a symlinked folder: its target changes unseen', async () => {
    const elsewhere = path.join(base, 'elsewhere');
    await mkdir(elsewhere);
    await writeFile(path.join(elsewhere, 'one.md'), 'x');
    await write('src/content/blog/a.md');
    await symlink(elsewhere, path.join(root, 'src/content/linked'));
    const restore = await pinMtime(elsewhere);
    expect(await list()).toEqual(['src/content/blog/a.md', 'src/content/linked/one.md']);
    await writeFile(path.join(elsewhere, 'two.md'), 'x');
    await restore();
    expect(await list()).toEqual([
      'src/content/blog/a.md',
      'src/content/linked/one.md',
      'src/content/linked/two.md',
    ]);
  });

  it('leaves out node_modules, dist and .git, and lists without an index', async () => {
    await write('src/content/blog/a.md');
    await write('src/content/node_modules/pkg/readme.md');
    await write('src/content/dist/copy.md');
    const options = resolveOptions({}, { root });
    expect(await listContent(options)).toEqual(['src/content/blog/a.md']);
    expect(await list()).toEqual(['src/content/blog/a.md']);
  });
});
