import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveOptions } from './options.js';
import { setPostText } from './post-edits.js';
import { parseReviewAction, reviewScan, reviewTarget } from './review.js';

let base: string;
let root: string;
const site = () => ({
  root,
  options: { include: ['posts/**/*.md'], exclude: ['posts/drafts/**'] },
});
const options = () => resolveOptions(site().options, { root });

async function write(file: string, content: string): Promise<void> {
  const absolute = path.resolve(root, file);
  await mkdir(path.dirname(absolute), { recursive: true });
  await writeFile(absolute, content);
}

beforeEach(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'headerforge-review-'));
  root = path.join(base, 'site');
  await write(
    'posts/hello.md',
    '---\ntitle: Hello\nheader: "A lighthouse" # the first\n---\n\nBody.\n',
  );
  await write('posts/plain.md', '---\ntitle: Plain\n---\n');
  await write('posts/drafts/secret.md', '---\nheader: "Draft"\n---\n');
  await write('notes/other.md', '---\nheader: "Other"\n---\n');
  await writeFile(path.join(base, 'outside.md'), '---\nheader: "Outside"\n---\n');
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('reviewTarget', () => {
  it('accepts a content file the include globs match, with or without a header', async () => {
    const scan = reviewScan(options());
    expect(await reviewTarget(options(), scan, 'posts/hello.md')).toEqual({
      file: 'posts/hello.md',
    });
    expect(await reviewTarget(options(), scan, './posts/plain.md')).toEqual({
      file: 'posts/plain.md',
    });
  });

  it('refuses every path that leaves the root', async () => {
    const scan = reviewScan(options());
    for (const post of [
      '../outside.md',
      'posts/../../outside.md',
      path.join(base, 'outside.md'),
      '/etc/passwd',
      '.',
      '',
      'posts/hello.md\0',
    ]) {
      const target = await reviewTarget(options(), scan, post);
      expect(target, JSON.stringify(post)).toMatchObject({ refused: 'outside-root' });
    }
  });

  it('refuses a file inside the root that is not content: not included, excluded, or no such file', async () => {
    await symlink(path.join(base, 'outside.md'), path.join(root, 'posts', 'linked.txt'));
    const scan = reviewScan(options());
    for (const post of [
      'notes/other.md',
      'posts/drafts/secret.md',
      'posts/missing.md',
      'posts/linked.txt',
      'package.json',
    ]) {
      const target = await reviewTarget(options(), scan, post);
      expect(target, post).toMatchObject({ refused: 'not-content' });
    }
  });

  it('sees a new post once the scan is invalidated', async () => {
    const scan = reviewScan(options());
    expect(await reviewTarget(options(), scan, 'posts/new.md')).toMatchObject({
      refused: 'not-content',
    });
    await write('posts/new.md', '---\nheader: "New"\n---\n');
    scan.invalidate();
    expect(await reviewTarget(options(), scan, 'posts/new.md')).toEqual({ file: 'posts/new.md' });
  });
});

describe('parseReviewAction', () => {
  it('takes the four actions, and names what is wrong with anything else', () => {
    expect(parseReviewAction({ action: 'pick', post: 'posts/a.md', candidate: 2 })).toEqual({
      action: { action: 'pick', post: 'posts/a.md', candidate: 2 },
    });
    expect(parseReviewAction({ action: 'pick', post: 'posts/a.md', candidate: 9 })).toMatchObject({
      problem: expect.stringContaining('candidate'),
    });
    expect(parseReviewAction({ action: 'delete', post: 'posts/a.md' })).toHaveProperty('problem');
    expect(
      parseReviewAction({ action: 'prompt', post: 'posts/a.md', text: 'x', file: '/etc' }),
    ).toHaveProperty('problem');
  });
});

describe('setPostText', () => {
  it('sets the prompt, then the alt text, changing nothing else in the file', async () => {
    await setPostText(site(), 'posts/hello.md', 'prompt', 'A lighthouse in fog');
    await setPostText(site(), 'posts/hello.md', 'alt', 'Fog, and a light in it');
    expect(await readFile(path.join(root, 'posts/hello.md'), 'utf8')).toBe(
      '---\ntitle: Hello\nheader:\n  prompt: "A lighthouse in fog" # the first\n  alt: "Fog, and a light in it"\n---\n\nBody.\n',
    );
  });

  it('refuses an empty text, a control character and a post without a header, writing nothing', async () => {
    await expect(setPostText(site(), 'posts/hello.md', 'prompt', '   ')).rejects.toThrow(
      /the prompt must be 1 to 4000 characters/,
    );
    const hello = await readFile(path.join(root, 'posts/hello.md'), 'utf8');
    for (const key of ['prompt', 'alt'] as const) {
      await expect(
        setPostText(site(), 'posts/hello.md', key, 'A bell\u0007 rings'),
      ).rejects.toThrow(`the ${key} contains a control character (U+0007)`);
    }
    expect(await readFile(path.join(root, 'posts/hello.md'), 'utf8')).toBe(hello);
    await expect(setPostText(site(), 'posts/plain.md', 'alt', 'Alt')).rejects.toThrow(
      /no "header" in its frontmatter/,
    );
    expect(await readFile(path.join(root, 'posts/plain.md'), 'utf8')).toBe(
      '---\ntitle: Plain\n---\n',
    );
  });
});
