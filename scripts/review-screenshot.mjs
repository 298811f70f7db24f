// `npm run screenshot:review`: the README's picture of the dev server's review page, made
// from the Vite fixture (fixtures/vite-blog) against the fake OpenRouter, in Debian's
// Chromium (never a downloaded browser). Writes docs/review-page.png.
//
//   node scripts/review-screenshot.mjs [--dark] [--out FILE]
//
// It reads the built packages, so build first: `npm run screenshot:review` does.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: { dark: { type: 'boolean' }, out: { type: 'string' } },
});
const out =
  values.out ?? join(repo, 'docs', values.dark ? 'review-page-dark.png' : 'review-page.png');
const CHROMIUM = '/usr/bin/chromium';
const KEY = 'sk-or-v1-screenshot';

const { startFakeOpenRouter } = await import('@headerforge/core/testing');
const { createServer } = await import('vite');
const { chromium } = await import('playwright-core');

// A copy inside the repository, so the site resolves @headerforge/vite from the workspace.
await mkdir(join(repo, '.tmp'), { recursive: true });
const dir = await mkdtemp(join(repo, '.tmp', 'review-screenshot-'));
const fake = await startFakeOpenRouter({ apiKey: KEY });
let server;
let browser;
try {
  await cp(join(repo, 'fixtures', 'vite-blog'), dir, {
    recursive: true,
    filter: (source) =>
      !/[\\/](node_modules|dist|\.headerforge)([\\/]|$)/.test(relative(repo, source)),
  });
  await writeFile(
    join(dir, '.env'),
    `OPENROUTER_API_KEY=${KEY}\nOPENROUTER_BASE_URL=${fake.baseURL}\n`,
  );
  // One post with three candidates to choose from, the second picked.
  const post = join(dir, 'posts', 'deep-sea.md');
  const text = await readFile(post, 'utf8');
  await writeFile(
    post,
    text.replace('  focus: top\n', '  focus: top\n  candidates: 3\n  pick: 2\n'),
  );

  server = await createServer({
    root: dir,
    configFile: join(dir, 'vite.config.js'),
    logLevel: 'silent',
    server: { port: 0, host: '127.0.0.1' },
  });
  await server.listen();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const page = await browser.newPage({
    viewport: { width: 1200, height: 760 },
    colorScheme: values.dark ? 'dark' : 'light',
  });
  await page.goto(new URL('/__headerforge/', server.resolvedUrls.local[0]).href);
  // Every header made, every picture decoded.
  await page.waitForFunction(
    () =>
      document.querySelectorAll('article[data-post]').length === 2 &&
      document.querySelectorAll('article .busy').length === 0 &&
      [...document.querySelectorAll('article .badge')].every(
        (badge) => badge.textContent === 'generated',
      ) &&
      [...document.images].every((image) => image.complete && image.naturalWidth > 0),
    undefined,
    { timeout: 60_000, polling: 250 },
  );
  await page.locator('article[data-post="posts/deep-sea.md"]').click({ position: { x: 5, y: 5 } });
  await page.mouse.move(0, 0);
  await mkdir(join(out, '..'), { recursive: true });
  await page.screenshot({ path: out });
  console.log(`wrote ${relative(process.cwd(), out)}`);
} finally {
  await browser?.close();
  await server?.close();
  await fake.close();
  await rm(dir, { recursive: true, force: true });
}
