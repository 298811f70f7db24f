import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHeaderforge } from './support/cli.js';
import { fakeForFile } from './support/fake-server.js';
import { copyFixture } from './support/fixtures.js';

let site: Awaited<ReturnType<typeof copyFixture>>;
const server = fakeForFile('sk-or-v1-test-sentinel-pick');

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

describe('headerforge pick', () => {
  it('writes pick: K into the header and changes no other byte of the post', async () => {
    await writeFile(postPath('lighthouse.md'), LIGHTHOUSE);
    const first = await headerforge('pick', 'posts/lighthouse.md', '2');
    expect(first).toMatchObject({ code: 0, stdout: 'posts/lighthouse.md: pick 2 of 3\n' });
    const picked = await read('lighthouse.md');
    expect(changedLines(LIGHTHOUSE, picked)).toEqual({ removed: [], added: ['  pick: 2'] });
    expect(picked.replace('  pick: 2\n', '')).toBe(LIGHTHOUSE);

    const again = await headerforge('pick', './posts/lighthouse.md', '3');
    expect(again).toMatchObject({ code: 0, stdout: 'posts/lighthouse.md: pick 3 of 3\n' });
    expect(changedLines(picked, await read('lighthouse.md'))).toEqual({
      removed: ['  pick: 2'],
      added: ['  pick: 3'],
    });
  });

  it('turns a shorthand header into a map around the prompt as written, keeping CRLF', async () => {
    const crlf = '---\r\ntitle: Short\r\nheader: "A harbour at dawn" # short\r\n---\r\nBody\r\n';
    await writeFile(postPath('short.md'), crlf);
    const config = join(site.dir, 'vite.config.js');
    const original = await readFile(config, 'utf8');
    const siteOption = "include: ['posts/**/*.md'],\n      candidates: 2,";
    await writeFile(config, original.replace("include: ['posts/**/*.md'],", siteOption));
    try {
      expect(await headerforge('pick', 'posts/short.md', '2')).toMatchObject({
        code: 0,
        stdout: 'posts/short.md: pick 2 of 2\n',
      });
      expect(await read('short.md')).toBe(
        '---\r\ntitle: Short\r\nheader:\r\n  prompt: "A harbour at dawn" # short\r\n  pick: 2\r\n---\r\nBody\r\n',
      );
    } finally {
      await writeFile(config, original);
      await rm(postPath('short.md'));
    }
  });

  it('refuses a K the post has no candidate for, naming the post, K and the count', async () => {
    const before = await read('deep-sea.md');
    const run = await headerforge('pick', 'posts/deep-sea.md', '2');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      'headerforge: posts/deep-sea.md: cannot pick 2, the post has 1 candidate',
      "  hint: Raise candidates first: `candidates: 2` in its header (or the site's `candidates` option), or `headerforge reroll posts/deep-sea.md --candidates 2` for new ones; then `headerforge generate`.",
    ]);
    expect(await read('deep-sea.md')).toBe(before);
  });

  it('refuses a K that is not 1 to 8, a path that is no post, and a post without a header', async () => {
    for (const k of ['0', '9', 'two', '1.5']) {
      const run = await headerforge('pick', 'posts/deep-sea.md', k);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        `headerforge: pick posts/deep-sea.md ${k}: K must be an integer from 1 to 8, the candidate to show\n  hint: `,
      );
    }
    expect(await headerforge('pick', 'posts/nope.md', '1')).toMatchObject({
      code: 2,
      stderr:
        'headerforge: pick posts/nope.md 1: no post with a header at that path\n  hint: Give the content file relative to the site root, as `headerforge status` lists it.\n',
    });
    const before = await read('no-header.md');
    expect(await headerforge('pick', 'posts/no-header.md', '1')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        'headerforge: posts/no-header.md: no "header" in its frontmatter to set pick in\n  hint: Give the post a prompt first',
      ),
    });
    expect(await read('no-header.md')).toBe(before);
    // A file that exists but that the include globs do not match is no post either.
    await mkdir(join(site.dir, 'drafts'), { recursive: true });
    await writeFile(join(site.dir, 'drafts', 'idea.md'), LIGHTHOUSE);
    expect(await headerforge('pick', 'drafts/idea.md', '2')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('pick drafts/idea.md 2: no post with a header at that path'),
    });
    expect(await readFile(join(site.dir, 'drafts', 'idea.md'), 'utf8')).toBe(LIGHTHOUSE);
    expect(await headerforge('pick', 'posts/deep-sea.md')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('missing required args'),
    });
  });

  it("edits a post while another post's frontmatter is invalid (that one is the build's to report)", async () => {
    await writeFile(
      postPath('broken.md'),
      '---\ntitle: Broken\nheader:\n  prompt: [not, a, string]\n---\n',
    );
    try {
      await writeFile(postPath('lighthouse.md'), LIGHTHOUSE);
      expect(await headerforge('pick', 'posts/lighthouse.md', '2')).toMatchObject({
        code: 0,
        stdout: 'posts/lighthouse.md: pick 2 of 3\n',
      });
      expect(await read('lighthouse.md')).toContain('  pick: 2\n');
    } finally {
      await rm(postPath('broken.md'));
    }
  });

  it('refuses to write a post that is a symlink to a file outside the site', async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'hf-pick-elsewhere-'));
    try {
      const target = join(elsewhere, 'outside.md');
      await writeFile(target, LIGHTHOUSE);
      await symlink(target, postPath('linked.md'));
      for (const args of [
        ['pick', 'posts/linked.md', '2'],
        ['reroll', 'posts/linked.md'],
      ]) {
        const run = await headerforge(...args);
        expect(run.code, args.join(' ')).not.toBe(0);
        expect(run.stderr).toMatch(
          /posts\/linked\.md is outside the project root, through a symlink to .*outside\.md; headerforge edits only files inside it/,
        );
      }
      expect(await readFile(target, 'utf8')).toBe(LIGHTHOUSE);
      // Named through `..` from the site, or by an absolute path: refused as well.
      for (const args of [
        ['pick', '../outside.md', '2'],
        ['pick', 'posts/../../outside.md', '2'],
        ['reroll', target],
      ]) {
        const run = await headerforge(...args);
        expect(run.code, args.join(' ')).not.toBe(0);
        expect(run.stderr).toMatch(
          /outside\.md is outside the project root \(.*\); headerforge edits only files inside it/,
        );
      }
      expect(await readFile(target, 'utf8')).toBe(LIGHTHOUSE);
    } finally {
      await rm(postPath('linked.md'), { force: true });
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('pick and reroll are in --help', async () => {
    const help = await runHeaderforge(['--help']);
    expect(help.stdout).toMatch(/pick <post> <k>\s+Show candidate K/);
    expect(help.stdout).toMatch(/reroll <post>\s+A new image for a post/);
    const reroll = await runHeaderforge(['reroll', '--help']);
    expect(reroll.stdout).toContain('headerforge reroll <post>');
    expect(reroll.stdout).toContain('--candidates <n>');
  });
});

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

describe('headerforge status: candidates and picks', () => {
  it('shows each post’s pick of its candidates as a last column, and in JSON', async () => {
    await writeFile(postPath('lighthouse.md'), LIGHTHOUSE);
    expect((await headerforge('pick', 'posts/lighthouse.md', '2')).code).toBe(0);
    const text = await headerforge('status');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^post\s+status\s+key\s+model\s+size\s+cost\s+pick$/m);
    expect(text.stdout).toMatch(/^posts\/deep-sea\.md\s+missing\s.*\s1\/1$/m);
    expect(text.stdout).toMatch(/^posts\/lighthouse\.md\s+missing\s.*\s2\/3$/m);
    const json = JSON.parse((await headerforge('status', '--json')).stdout);
    expect(
      json.posts.map((post: { file: string; candidates: number; pick: number }) => [
        post.file,
        post.candidates,
        post.pick,
      ]),
    ).toEqual([
      ['posts/deep-sea.md', 1, 1],
      ['posts/hello-world.md', 1, 1],
      ['posts/lighthouse.md', 3, 2],
    ]);
  });
});

describe('headerforge pick: a candidate not in the cache yet', () => {
  it('says so on stderr (the pick is written all the same), and is quiet once it is cached', async () => {
    const harbour = (candidates: number) =>
      `---\ntitle: Harbour\nheader:\n  prompt: A harbour at dawn\n  candidates: ${candidates}\n---\nBody.\n`;
    await writeFile(postPath('harbour.md'), harbour(2));
    expect(await runHeaderforge(['generate', '--root', site.dir], server.env())).toMatchObject({
      code: 0,
    });

    const cached = await headerforge('pick', 'posts/harbour.md', '2');
    expect(cached).toMatchObject({
      code: 0,
      stdout: 'posts/harbour.md: pick 2 of 2\n',
      stderr: '',
    });
    const json = await headerforge('pick', 'posts/harbour.md', '2', '--json');
    expect(JSON.parse(json.stdout)).toEqual({
      file: 'posts/harbour.md',
      candidates: 2,
      pick: 2,
      cached: true,
    });

    await writeFile(postPath('harbour.md'), harbour(3));
    const missing = await headerforge('pick', 'posts/harbour.md', '3');
    expect(missing).toMatchObject({ code: 0, stdout: 'posts/harbour.md: pick 3 of 3\n' });
    expect(missing.stderr).toBe(
      'headerforge: candidate 3 of posts/harbour.md is not in the cache yet: `headerforge generate` makes it (one image, paid). Until then a build without a key shows placeholder art, and fails in CI.\n',
    );
    expect(await read('harbour.md')).toContain('  pick: 3\n');
    expect(
      JSON.parse((await headerforge('pick', 'posts/harbour.md', '3', '--json')).stdout),
    ).toMatchObject({
      cached: false,
    });
  });
});
