import {
  cp,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openWarmIndex } from './warm-index.js';

/** The index's file in its current format. */
const INDEX = 'warm-index-4.json';

let dir: string;
let cache: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hf-warm-index-'));
  cache = join(dir, 'cache');
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

/** Writes `file`, remembers `value` for it, saves, and opens the index afresh. */
async function rememberFile(file: string, value: unknown) {
  await writeFile(file, 'first version');
  const index = openWarmIndex(cache);
  const stamps = index.stamp([file]);
  expect(stamps).toBeDefined();
  index.remember('content', file, stamps ?? [], value);
  await index.save();
  return openWarmIndex(cache);
}

describe('openWarmIndex', () => {
  it('recalls a fact across builds while its file is unchanged', async () => {
    const file = join(dir, 'post.md');
    const index = await rememberFile(file, { title: 'Hello' });
    expect(index.recall('content', file)).toEqual({ title: 'Hello' });
    expect(index.recall('originals', file)).toBeUndefined();
    expect(index.recall('content', join(dir, 'other.md'))).toBeUndefined();
  });

  it('forgets a fact once its file changes size, mtime, or disappears', async () => {
    const file = join(dir, 'post.md');
    await rememberFile(file, 1);
    await writeFile(file, 'second, longer version');
    expect(openWarmIndex(cache).recall('content', file)).toBeUndefined();

    await rememberFile(file, 2);
    const before = await stat(file);
    // Same size, one second later: an editor's save of a one-letter change.
    await writeFile(file, 'first versioN');
    await utimes(file, before.atime, new Date(before.mtimeMs + 1000));
    expect(openWarmIndex(cache).recall('content', file)).toBeUndefined();

    await rememberFile(file, 3);
    await rm(file);
    expect(openWarmIndex(cache).recall('content', file)).toBeUndefined();
  });

  it('notices a file added to or removed from a remembered folder', async () => {
    const folder = join(dir, 'set');
    await mkdir(folder);
    await writeFile(join(folder, 'a.webp'), 'a');
    const index = openWarmIndex(cache);
    index.remember('derived', 'set', index.stamp([folder]) ?? [], 'complete');
    await index.save();
    expect(openWarmIndex(cache).recall('derived', 'set')).toBe('complete');
    // Directory mtimes move on with each entry added or removed; make it visible to ms.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await rm(join(folder, 'a.webp'));
    expect(openWarmIndex(cache).recall('derived', 'set')).toBeUndefined();
  });

  it('never stamps a symlink or a missing file', async () => {
    const target = join(dir, 'target.md');
    await writeFile(target, 'x');
    await symlink(target, join(dir, 'link.md'));
    const index = openWarmIndex(cache);
    expect(index.stamp([join(dir, 'link.md')])).toBeUndefined();
    expect(index.stamp([target, join(dir, 'missing.md')])).toBeUndefined();
  });

  it('writes only when something changed', async () => {
    const file = join(dir, 'post.md');
    await rememberFile(file, 1);
    const saved = await stat(join(cache, INDEX));
    const warm = openWarmIndex(cache);
    expect(warm.recall('content', file)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await warm.save();
    expect((await stat(join(cache, INDEX))).mtimeMs).toBe(saved.mtimeMs);
  });

  it('starts empty from a torn, foreign or older index', async () => {
    const file = join(dir, 'post.md');
    await rememberFile(file, 1);
    const path = join(cache, INDEX);
    const good = await readFile(path, 'utf8');
    await writeFile(path, good.slice(0, good.length / 2));
    expect(openWarmIndex(cache).recall('content', file)).toBeUndefined();
    const format = (JSON.parse(good.split('\n')[0] ?? '') as { format: number }).format;
    await writeFile(path, good.replace(`"format":${format}`, `"format":${format - 1}`));
    expect(openWarmIndex(cache).recall('content', file)).toBeUndefined();
    await writeFile(path, JSON.stringify({ format, content: { [file]: { value: 1 } } }));
    expect(openWarmIndex(cache).recall('content', file)).toBeUndefined();
  });

  it('deletes the index of an older format once it writes its own', async () => {
    await mkdir(cache, { recursive: true });
    await writeFile(join(cache, 'warm-index.json'), JSON.stringify({ format: 1, content: {} }));
    const file = join(dir, 'post.md');
    const index = await rememberFile(file, 1);
    expect(index.recall('content', file)).toBe(1);
    await expect(stat(join(cache, 'warm-index.json'))).rejects.toThrow(/ENOENT/);
  });

  it('keeps the facts a run did not recall when it saves others, and loses only a torn line', async () => {
    const [a, b, c] = ['a.md', 'b.md', 'c.md'].map((name) => join(dir, name)) as [
      string,
      string,
      string,
    ];
    for (const file of [a, b, c]) await writeFile(file, file);
    const first = openWarmIndex(cache);
    first.remember('content', a, first.stamp([a]) ?? [], { title: 'A' });
    first.remember('originals', b, first.stamp([b]) ?? [], { title: 'B' });
    await first.save();
    // A later run recalls nothing and learns one more fact: the two others are kept.
    const second = openWarmIndex(cache);
    second.remember('derived', c, second.stamp([c]) ?? [], ['C']);
    await second.save();
    const third = openWarmIndex(cache);
    expect(third.recall('content', a)).toEqual({ title: 'A' });
    expect(third.recall('originals', b)).toEqual({ title: 'B' });
    expect(third.recall('derived', c)).toEqual(['C']);
    // The file cut inside its last fact: the others are still known.
    const path = join(cache, INDEX);
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.slice(0, text.trimEnd().length - 5));
    const torn = openWarmIndex(cache);
    expect([torn.recall('content', a), torn.recall('originals', b)]).toEqual([
      { title: 'A' },
      { title: 'B' },
    ]);
    expect(torn.recall('derived', c)).toBeUndefined();
  });

  it('keeps facts about files named in any script, through runs that write them back unread', async () => {
    const names = ['café.md', '日本語の記事.md', 'مقالة.md', 'post-🚀.md'];
    const files = names.map((name) => join(dir, name));
    const first = openWarmIndex(cache);
    for (const file of files) {
      await writeFile(file, file);
      first.remember('content', file, first.stamp([file]) ?? [], { title: `Ü ${file}` });
    }
    await first.save();
    // A run that recalls one fact and learns another writes the others back as they were read.
    const second = openWarmIndex(cache);
    expect(second.recall('content', files[1] ?? '')).toEqual({ title: `Ü ${files[1]}` });
    const extra = join(dir, 'ñ.md');
    await writeFile(extra, 'x');
    second.remember('content', extra, second.stamp([extra]) ?? [], 'ñ');
    await second.save();
    const third = openWarmIndex(cache);
    for (const file of files) expect(third.recall('content', file)).toEqual({ title: `Ü ${file}` });
    expect(third.recall('content', extra)).toBe('ñ');
  });

  it('drops facts unused for 30 days when it is next written', async () => {
    const old = join(dir, 'old.md');
    await rememberFile(old, 'old');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31 * 24 * 60 * 60 * 1000);
    const fresh = join(dir, 'fresh.md');
    await writeFile(fresh, 'x');
    const later = openWarmIndex(cache);
    later.remember('content', fresh, later.stamp([fresh]) ?? [], 'fresh');
    await later.save();
    const reopened = openWarmIndex(cache);
    expect(reopened.recall('content', fresh)).toBe('fresh');
    expect(reopened.recall('content', old)).toBeUndefined();
  });

  it("checks a copied project's own files, not the ones it was copied from", async () => {
    const project = join(dir, 'project');
    const file = join(project, 'src/post.md');
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, 'first version');
    // Whole milliseconds, which a copy keeps exactly.
    const whole = new Date(Math.floor(Date.now() / 1000) * 1000);
    await utimes(file, whole, whole);
    const projectCache = join(project, 'node_modules/.cache/headerforge');
    const index = openWarmIndex(projectCache);
    index.remember('content', 'post', index.stamp([file]) ?? [], 'first');
    await index.save();
    const copy = join(dir, 'copy');
    await cp(project, copy, { recursive: true, preserveTimestamps: true });
    const copyCache = join(copy, 'node_modules/.cache/headerforge');
    // Unchanged, timestamps and all: the copy's index knows its own file.
    expect(openWarmIndex(copyCache).recall('content', 'post')).toBe('first');
    // Changed in the copy only: the copy's index no longer trusts the fact.
    await writeFile(join(copy, 'src/post.md'), 'second, longer version');
    expect(openWarmIndex(copyCache).recall('content', 'post')).toBeUndefined();
    expect(openWarmIndex(projectCache).recall('content', 'post')).toBe('first');
  });

  it('keeps whole headers in a file of their own, read only when they are asked for', async () => {
    const file = join(dir, 'post.md');
    await writeFile(file, 'x');
    const index = openWarmIndex(cache);
    const stamps = index.stamp([file]) ?? [];
    index.remember('content', 'post', stamps, 'fields');
    await index.save();
    const facts = await readFile(join(cache, INDEX), 'utf8');
    const next = openWarmIndex(cache);
    expect(next.stampsOf('content', 'post')).toEqual(stamps);
    next.remember('headers', 'post', stamps, 'whole');
    await next.save();
    // The facts' file is not rewritten for a header; the header is in its own file.
    expect(await readFile(join(cache, INDEX), 'utf8')).toBe(facts);
    expect(await readFile(join(cache, 'warm-headers-2.json'), 'utf8')).toContain('whole');
    // A build that asks only for headers never reads the facts' file.
    await writeFile(join(cache, INDEX), 'not an index');
    const reopened = openWarmIndex(cache);
    expect(reopened.recall('headers', 'post')).toBe('whole');
    await writeFile(file, 'changed');
    expect(openWarmIndex(cache).recall('headers', 'post')).toBeUndefined();
  });

  describe('checkAhead', () => {
    /**
     * An index whose `content` facts fill more than the size `checkAhead` takes to a thread:
     * `count` posts, each remembered with a value of about 1 KB, saved.
     */
    async function manyFacts(count: number) {
      const files = Array.from({ length: count }, (_, i) => join(dir, `post-${i}.md`));
      const index = openWarmIndex(cache);
      for (const [i, file] of files.entries()) {
        await writeFile(file, `post ${i}`);
        index.remember('content', file, index.stamp([file]) ?? [], { i, text: 'x'.repeat(1000) });
      }
      await index.save();
      return files;
    }

    it('checks every fact of a section on a thread, as a recall would', async () => {
      const files = await manyFacts(300);
      const [same, grown, gone] = files as [string, string, string];
      const other = join(dir, 'original.png');
      await writeFile(other, 'image');
      const before = openWarmIndex(cache);
      before.remember('originals', 'key', before.stamp([other]) ?? [], 'image');
      await before.save();
      await writeFile(grown, 'post 1, now longer');
      await rm(gone);

      const index = openWarmIndex(cache);
      expect(await index.checkAhead('content')).toBe(true);
      expect(index.recall('content', same)).toMatchObject({ i: 0 });
      expect(index.recall('content', grown)).toBeUndefined();
      expect(index.recall('content', gone)).toBeUndefined();
      expect(index.recall('content', files[299] as string)).toMatchObject({ i: 299 });
      // Checked once, by the thread: a change after it is the next build's to see.
      await writeFile(same, 'post 0, changed since');
      expect(index.recall('content', same)).toMatchObject({ i: 0 });
      // Another section of the same file is checked on recall, as without the thread.
      expect(index.recall('originals', 'key')).toBe('image');
      await writeFile(other, 'another image');
      expect(index.recall('originals', 'key')).toBeUndefined();
      // What was not asked for, or not recalled, is written back as it was.
      index.remember('content', grown, index.stamp([grown]) ?? [], 'again');
      await index.save();
      const reopened = openWarmIndex(cache);
      expect(reopened.recall('content', grown)).toBe('again');
      expect(reopened.recall('content', files[3] as string)).toMatchObject({ i: 3 });
      expect(reopened.recall('content', same)).toBeUndefined();
    });

    it('checks on the thread only the facts whose id starts with the prefix given', async () => {
      const posts = Array.from({ length: 300 }, (_, i) => join(dir, `post-${i}.md`));
      const index = openWarmIndex(cache);
      for (const [i, post] of posts.entries()) {
        await writeFile(post, `post ${i}`);
        const stamps = index.stamp([post]) ?? [];
        index.remember('content', `new\0${post}`, stamps, { i, text: 'x'.repeat(500) });
        index.remember('content', `old\0${post}`, stamps, { i, text: 'y'.repeat(500) });
      }
      await index.save();
      const [first, second] = posts as [string, string];
      await writeFile(second, 'post 1, edited before the build');

      const warm = openWarmIndex(cache);
      expect(await warm.checkAhead('content', 'new\0')).toBe(true);
      expect(warm.recall('content', `new\0${second}`)).toBeUndefined();
      await writeFile(first, 'post 0, edited after the thread checked it');
      // Checked by the thread before the edit: the next build sees it.
      expect(warm.recall('content', `new\0${first}`)).toMatchObject({ i: 0 });
      // Not the thread's to check: checked on recall, so the edit is seen.
      expect(warm.recall('content', `old\0${first}`)).toBeUndefined();
      expect(warm.recall('content', `old\0${second}`)).toBeUndefined();
      expect(warm.recall('content', `old\0${posts[2]}`)).toMatchObject({ i: 2 });
    });

    it('leaves a small, missing, foreign or already read file to be checked on recall', async () => {
      const index = openWarmIndex(cache);
      expect(await index.checkAhead('content')).toBe(false);
      const file = join(dir, 'post.md');
      const small = await rememberFile(file, 1);
      expect(await small.checkAhead('content')).toBe(false);
      expect(small.recall('content', file)).toBe(1);

      const [first] = (await manyFacts(300)) as [string];
      const read = openWarmIndex(cache);
      expect(read.recall('content', first)).toMatchObject({ i: 0 });
      expect(await read.checkAhead('content')).toBe(false);
      // Asked for twice at once, one thread reads it.
      const twice = openWarmIndex(cache);
      expect(await Promise.all([twice.checkAhead('content'), twice.checkAhead('content')])).toEqual(
        [true, false],
      );
      // Read while the thread works: the main thread's reading stands.
      const meanwhile = openWarmIndex(cache);
      const checking = meanwhile.checkAhead('content');
      await writeFile(first, 'changed while checked');
      expect(meanwhile.recall('content', first)).toBeUndefined();
      expect(await checking).toBe(false);

      const path = join(cache, INDEX);
      await writeFile(path, `{"format":0}\n${'x'.repeat(300 * 1024)}\n`);
      const foreign = openWarmIndex(cache);
      expect(await foreign.checkAhead('content')).toBe(true);
      expect(foreign.recall('content', first)).toBeUndefined();
    });
  });
});
