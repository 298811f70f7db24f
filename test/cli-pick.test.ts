import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHeaderforge } from './support/cli.js';
import { copyFixture } from './support/fixtures.js';

let site: Awaited<ReturnType<typeof copyFixture>>;

beforeAll(async () => {
  site = await copyFixture('vite-blog');
});
afterAll(async () => {
  await site.remove();
});

// None of these commands talks to a server: no key, no base URL.
const headerforge = (...args: string[]) => runHeaderforge([...args, '--root', site.dir]);
const postPath = (name: string) => join(site.dir, 'posts', name);
const read = (name: string) => readFile(postPath(name), 'utf8');

/** A post with a header written the way a person writes one: comments, quotes, blank lines. */
const LIGHTHOUSE = [
  '---',
  'title: Lighthouse',
  'header:',
  '  prompt: "A lighthouse at dusk"   # a comment',
  "  alt: 'The lighthouse'",
  '',
  '  candidates: 3 # three to choose from',
  'tags: [sea, light]',
  '---',
  '',
  'The post. A rule below, and a line that looks like a header:',
  '',
  '---',
  'header: not this one',
  '',
].join('\n');

/** The lines of `after` that are not in `before`, when `after` only added or changed lines. */
function changedLines(before: string, after: string): { removed: string[]; added: string[] } {
  const old = before.split('\n');
  const now = after.split('\n');
  let head = 0;
  while (head < old.length && old[head] === now[head]) head++;
  let tail = 0;
  while (tail < old.length - head && old[old.length - 1 - tail] === now[now.length - 1 - tail])
    tail++;
  return { removed: old.slice(head, old.length - tail), added: now.slice(head, now.length - tail) };
}

describe('headerforge reroll', () => {
  it('raises the seed in place, keeping the pick; generates nothing', async () => {
    const source = LIGHTHOUSE.replace('  candidates: 3', '  seed: 4\n  candidates: 3\n  pick: 2');
    await writeFile(postPath('lighthouse.md'), source);
    const run = await headerforge('reroll', 'posts/lighthouse.md');
    expect(run).toMatchObject({
      code: 0,
      stdout:
        'posts/lighthouse.md: seed is now 5 (recorded in its frontmatter); `headerforge generate` or the next build makes the image\n',
    });
    expect(changedLines(source, await read('lighthouse.md'))).toEqual({
      removed: ['  seed: 4'],
      added: ['  seed: 5'],
    });
  });

  it('--candidates N records N and sends the pick back to 1', async () => {
    const source = LIGHTHOUSE.replace('choose from\n', 'choose from\n  pick: 2\n');
    await writeFile(postPath('lighthouse.md'), source);
    const run = await headerforge('reroll', './posts/lighthouse.md', '--candidates', '5');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('posts/lighthouse.md: seed is now 1, 5 candidates, pick 1');
    const after = await read('lighthouse.md');
    expect(after).toBe(
      source
        .replace('  candidates: 3 #', '  candidates: 5 #')
        .replace('  pick: 2\n', '  pick: 1\n  seed: 1\n'),
    );

    const json = await headerforge('reroll', 'posts/lighthouse.md', '--candidates', '2', '--json');
    expect(JSON.parse(json.stdout)).toEqual({
      file: 'posts/lighthouse.md',
      seed: 2,
      candidates: 2,
      pick: 1,
    });
  });

  it('--candidates outside 1 to 8 is refused before the post is touched', async () => {
    const before = await read('lighthouse.md');
    for (const n of ['0', '9']) {
      const run = await headerforge('reroll', 'posts/lighthouse.md', '--candidates', n);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        `headerforge: reroll posts/lighthouse.md: --candidates must be an integer from 1 to 8, got ${n}\n  hint: `,
      );
    }
    expect(await read('lighthouse.md')).toBe(before);
    expect(await headerforge('reroll', 'posts/nope.md')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('reroll posts/nope.md: no post with a header at that path'),
    });
  });
});
