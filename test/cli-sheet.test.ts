import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildHeaders } from '@headerforge/core';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
import { runHeaderforge } from './support/cli.js';
import { copyFixture, exists } from './support/fixtures.js';

// The sheet as a reviewer sees it: the file opened straight from disk in Debian's Chromium.
const KEY = 'sk-or-v1-test-sentinel-cli-sheet';
const EVIL_TITLE = 'Hello <script>window.pwned = true</script> & "world"';

let fake: FakeOpenRouter;
let browser: Browser;
let scratch: string;

beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: KEY });
  scratch = await mkdtemp(join(tmpdir(), 'hf-sheet-'));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await fake?.close();
  await rm(scratch, { recursive: true, force: true });
});

const headerforge = (args: string[], env: Record<string, string> = {}) =>
  runHeaderforge(args, { OPENROUTER_BASE_URL: fake.baseURL, ...env });

async function edit(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  expect(text).toContain(from);
  await writeFile(file, text.replace(from, to));
}

interface ShownPost {
  post: string;
  title: string;
  text: string;
  candidates: Array<{
    number: string;
    current: string | null;
    text: string;
    images: number[];
  }>;
}

/** Opens the sheet from disk; what each post shows, and every URL the page asked for. */
async function openSheet(file: string) {
  const page = await browser.newPage();
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  try {
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const posts = await page.$$eval('[data-post]', (sections) =>
      sections.map((section) => ({
        post: section.getAttribute('data-post') ?? '',
        title: section.querySelector('h2')?.textContent ?? '',
        text: (section as unknown as { innerText: string }).innerText,
        candidates: [...section.querySelectorAll('[data-candidate]')].map((candidate) => ({
          number: candidate.getAttribute('data-candidate') ?? '',
          current: candidate.getAttribute('aria-current'),
          text: (candidate as unknown as { innerText: string }).innerText,
          images: [...candidate.querySelectorAll('img')].map((img) => img.naturalWidth),
        })),
      })),
    );
    const summary = await page.locator('.summary').innerText();
    const pwned = await page.evaluate(() => 'pwned' in globalThis);
    return { posts: posts as ShownPost[], summary, requests, pwned };
  } finally {
    await page.close();
  }
}

describe('headerforge sheet', () => {
  it('shows every candidate of every post, the pick marked, text escaped, from one file that loads nothing', async () => {
    const site = await copyFixture('vite-blog');
    try {
      await edit(
        join(site.dir, 'posts/deep-sea.md'),
        '  focus: top\n',
        '  focus: top\n  candidates: 3\n  pick: 2\n',
      );
      await edit(
        join(site.dir, 'posts/hello-world.md'),
        'title: Hello, world',
        `title: '${EVIL_TITLE}'`,
      );
      const generated = await headerforge(['generate', '--root', site.dir], {
        OPENROUTER_API_KEY: KEY,
      });
      expect(generated.code).toBe(0);

      const out = join(scratch, 'review', 'sheet.html');
      const run = await headerforge(['sheet', '--out', out, '--root', site.dir]);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      // Four images at the fake's $0.039 each.
      expect(run.stdout).toBe(`wrote ${out}: 2 posts, 4 images · $0.16\n`);
      const html = await readFile(out, 'utf8');
      expect(html).not.toContain(KEY);
      expect(await exists(join(site.dir, 'headerforge-sheet.html'))).toBe(false);

      const shown = await openSheet(out);
      expect(shown.summary).toBe('2 posts, 4 images · $0.16');
      expect(shown.posts.map((post) => post.post)).toEqual([
        'posts/deep-sea.md',
        'posts/hello-world.md',
      ]);
      const [deepSea, hello] = shown.posts as [ShownPost, ShownPost];
      expect(deepSea.title).toBe('Notes from the deep sea');
      expect(deepSea.text).toContain('Bioluminescent jellyfish drifting in dark water');
      expect(deepSea.text).toContain('google/gemini-2.5-flash-image');
      expect(deepSea.candidates.map((c) => [c.number, c.current])).toEqual([
        ['1', null],
        ['2', 'true'],
        ['3', null],
      ]);
      expect(deepSea.candidates[1]?.text).toContain('picked');
      expect(deepSea.candidates[0]?.text).not.toContain('picked');
      for (const candidate of [...deepSea.candidates, ...hello.candidates]) {
        expect(candidate.images).toHaveLength(1);
        expect(candidate.images[0]).toBeGreaterThan(0);
        expect(candidate.text).toMatch(/\d+×\d+ · \$0\.04/);
      }
      // The title is user content: shown as text, never run.
      expect(hello.title).toBe(EVIL_TITLE);
      expect(shown.pwned).toBe(false);
      expect(hello.candidates.map((c) => c.current)).toEqual(['true']);

      const url = pathToFileURL(out).href;
      expect(
        shown.requests.filter((request) => request !== url && !request.startsWith('data:')),
      ).toEqual([]);
    } finally {
      await site.remove();
    }
  });

  it('with nothing generated: empty numbered slots, a placeholder labelled, exit 0; --only filters', async () => {
    const site = await copyFixture('vite-blog');
    fake.reset();
    try {
      // Offline art for one post, as a build without a key makes it (the fixture's options).
      await buildHeaders({
        root: site.dir,
        options: {
          include: ['posts/**/*.md'],
          style: 'Editorial illustration, soft light.',
          widths: [640, 960],
        },
        env: { HEADERFORGE_MODE: 'placeholder' },
        only: 'posts/hello-world.md',
      });
      const run = await headerforge(['sheet', '--root', site.dir]);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      const out = join(site.dir, 'headerforge-sheet.html');
      expect(run.stdout).toBe(
        `wrote ${out.replace(`${process.cwd()}/`, '')}: 2 posts, 2 images (1 not generated, 1 placeholder) · $0.00\n`,
      );
      expect(fake.generations()).toHaveLength(0);

      const shown = await openSheet(out);
      const [deepSea, hello] = shown.posts as [ShownPost, ShownPost];
      expect(deepSea.candidates).toEqual([
        {
          number: '1',
          current: 'true',
          text: expect.stringContaining('not generated yet'),
          images: [],
        },
      ]);
      expect(hello.candidates[0]?.text).toContain('placeholder');
      expect(hello.candidates[0]?.images[0]).toBeGreaterThan(0);

      const only = await headerforge([
        'sheet',
        '--only',
        'posts/deep-*',
        '--out',
        join(scratch, 'only.html'),
        '--root',
        site.dir,
      ]);
      expect(only.stdout).toContain(': 1 post, 1 image (1 not generated) · $0.00');
      expect((await openSheet(join(scratch, 'only.html'))).posts.map((p) => p.post)).toEqual([
        'posts/deep-sea.md',
      ]);
    } finally {
      await site.remove();
    }
  });
});
