// `npm run screenshot:readme`: the README's first picture, a post's source file beside the
// page it becomes. Builds a copy of the demo blog (fixtures/astro-blog) against the fake
// OpenRouter (its images are generated stand-ins: gradients and shapes), serves it with
// `astro preview`, and photographs the file and the page side by side in Debian's Chromium
// (never a downloaded browser). Writes docs/readme-post.png, palette-compressed with sharp.
//
//   node scripts/readme-screenshot.mjs [--post src/content/blog/lighthouse.md] [--dark] [--out FILE]
//
// It reads the built packages, so build first: `npm run screenshot:readme` does.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    post: { type: 'string', default: 'src/content/blog/deep-sea.mdx' },
    dark: { type: 'boolean' },
    out: { type: 'string' },
  },
});
const out =
  values.out ?? join(repo, 'docs', values.dark ? 'readme-post-dark.png' : 'readme-post.png');
const CHROMIUM = '/usr/bin/chromium';
const KEY = 'sk-or-v1-screenshot';

const { startFakeOpenRouter } = await import('@headerforge/core/testing');
const { chromium } = await import('playwright-core');
const { default: sharp } = await import('sharp');

// A copy inside the repository, so the site resolves @headerforge/astro from the workspace.
await mkdir(join(repo, '.tmp'), { recursive: true });
const dir = await mkdtemp(join(repo, '.tmp', 'readme-screenshot-'));
const fake = await startFakeOpenRouter({ apiKey: KEY });
const savedNodeEnv = process.env.NODE_ENV;
let server;
let browser;
try {
  await cp(join(repo, 'fixtures', 'astro-blog'), dir, {
    recursive: true,
    filter: (source) =>
      !/[\\/](node_modules|dist|\.headerforge|\.astro)([\\/]|$)/.test(relative(repo, source)),
  });
  await writeFile(
    join(dir, '.env'),
    `OPENROUTER_API_KEY=${KEY}\nOPENROUTER_BASE_URL=${fake.baseURL}\n`,
  );
  const source = await readFile(join(dir, values.post), 'utf8');
  const slug = values.post.replace(/^.*[\\/]/, '').replace(/\.mdx?$/, '');

  delete process.env.NODE_ENV;
  const { build, preview } = await import('astro');
  await build({ root: dir, logLevel: 'warn' });
  server = await preview({ root: dir, logLevel: 'warn', server: { host: '127.0.0.1', port: 0 } });

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const page = await browser.newPage({
    viewport: { width: 1440, height: 820 },
    colorScheme: values.dark ? 'dark' : 'light',
  });
  await page.setContent(
    composition(values.post, source, `http://127.0.0.1:${server.port}/blog/${slug}/`),
  );
  const frame = page.frameLocator('iframe');
  // The header decoded (not its blurred placeholder) before the picture is taken.
  await frame.locator('img.hero').evaluate((img) => img.decode(), undefined, { timeout: 30_000 });
  const png = await page.screenshot();
  await mkdir(join(out, '..'), { recursive: true });
  await sharp(png).png({ palette: true, quality: 90, effort: 10, compressionLevel: 9 }).toFile(out);
  console.log(`wrote ${relative(process.cwd(), out)}`);
} finally {
  await browser?.close();
  await server?.stop();
  await fake.close();
  await rm(dir, { recursive: true, force: true });
  process.env.NODE_ENV = savedNodeEnv;
}

/** The post's file on the left, the built page on the right. */
function composition(path, source, url) {
  const html = (text) =>
    text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  // Light emphasis for the frontmatter: keys, and the header field the page is made from.
  const end = source.indexOf('\n---', 3) + 4;
  const frontmatter = html(source.slice(0, end))
    .replace(/^(\s*)([\w]+):/gm, '$1<span class="key">$2</span>:')
    .replace(/^(<span class="key">header<\/span>:[^\n]*(?:\n {2}[^\n]*)*)\n/m, '<mark>$1</mark>');
  const body = html(source.slice(end));
  return `<!doctype html><html><head><meta charset="utf-8"><style>
    body { margin: 0; height: 100vh; display: grid; grid-template-columns: 36% 1fr; gap: 28px;
      padding: 28px; box-sizing: border-box; background: #e9e6df;
      font: 15px/1.5 system-ui, sans-serif; }
    @media (prefers-color-scheme: dark) { body { background: #0c0d0f; } }
    .pane { border-radius: 10px; overflow: hidden; display: flex; flex-direction: column;
      box-shadow: 0 8px 30px rgb(0 0 0 / 0.18); }
    .bar { padding: 9px 14px; font: 13px ui-monospace, Menlo, monospace; }
    .file { background: #1e1f24; color: #d8d6d0; }
    .file .bar { background: #2a2b31; color: #a9a69f; }
    pre { margin: 0; padding: 18px 20px; font: 14.5px/1.6 ui-monospace, 'DejaVu Sans Mono', Menlo, monospace;
      white-space: pre-wrap; overflow-wrap: anywhere; }
    .key { color: #8fc1ff; }
    mark { display: block; margin: 0 -20px; padding: 0 17px; color: inherit;
      background: rgb(255 196 92 / 0.14); border-left: 3px solid #ffc45c; }
    .arrow { position: absolute; left: calc(36% + 28px - 3px); top: 50%; transform: translate(-50%, -50%);
      width: 34px; height: 34px; border-radius: 50%; background: #9a3b1b; color: white;
      display: grid; place-items: center; font-size: 18px; box-shadow: 0 2px 8px rgb(0 0 0 / 0.3); }
    .page { background: white; }
    .page .bar { background: #f3f1ec; color: #6b675f; border-bottom: 1px solid #dedad2; }
    @media (prefers-color-scheme: dark) { .page .bar { background: #25262b; color: #a9a69f; border-color: #34353a; } }
    iframe { border: 0; width: 100%; flex: 1; }
  </style></head><body>
    <div class="pane file"><div class="bar">${html(path)}</div><pre>${frontmatter}${body}</pre></div>
    <div class="arrow">→</div>
    <div class="pane page"><div class="bar">blog.example.com/blog/${html(url.split('/blog/')[1])}</div>
      <iframe src="${html(url)}"></iframe></div>
  </body></html>`;
}
