// `npm run cards:readme`: draws the three title cards docs/social-cards.md shows (Latin,
// emoji, CJK) from the example blog (fixtures/astro-blog), through the same buildHeaders a
// build runs, on a copy of the blog in a temp folder. With OPENROUTER_API_KEY (environment
// or a .env at the repository root) the headers under the cards are the blog's real images
// (generated and paid for if they are not in its cache); without one, offline placeholder
// art, and the cards carry the PLACEHOLDER badge as every placeholder card does.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildHeaders } from '@headerforge/core';
import sharp from 'sharp';

const repo = fileURLToPath(new URL('..', import.meta.url));
const blog = join(repo, 'fixtures/astro-blog');
const out = join(repo, 'docs/cards');

/** Which post each card is cut from, and the title its card says (a post's own `og.title`). */
const CARDS = [
  { name: 'latin', post: 'src/content/blog/lighthouse.md', title: undefined },
  {
    name: 'emoji',
    post: 'src/content/blog/deep-sea.mdx',
    title: 'Lights in the deep 🪼✨ a field guide',
  },
  { name: 'cjk', post: 'src/content/blog/mountains.md', title: '山の朝 静かな光と雲の海' },
];

const env = { ...process.env };
if (!env.OPENROUTER_API_KEY?.trim()) env.HEADERFORGE_MODE ??= 'placeholder';
const root = await mkdtemp(join(tmpdir(), 'hf-readme-cards-'));
try {
  await cp(blog, root, {
    recursive: true,
    filter: (source) => !/[/\\](node_modules|dist|\.astro)([/\\]|$)/.test(source),
  });
  for (const { post, title } of CARDS) {
    if (title === undefined) continue;
    const file = join(root, post);
    const source = await readFile(file, 'utf8');
    // The card's own title goes in the header field: `header.og.title`.
    await writeFile(
      file,
      source.replace(/^header:\n/m, `header:\n  og:\n    title: ${JSON.stringify(title)}\n`),
    );
  }
  const result = await buildHeaders({
    root,
    options: {
      style: 'Editorial illustration, soft light, no text.',
      references: ['brand/ref-1-palette.png', 'brand/ref-2-paper.png'],
      og: { siteName: 'headerforge demo blog' },
    },
    env,
  });
  if (result.failures.length > 0) throw new Error(result.failures.map((f) => f.message).join('\n'));
  await mkdir(out, { recursive: true });
  for (const { name, post } of CARDS) {
    const card = result.headers.find((header) => header.job.file === post)?.cards?.[0];
    if (!card) throw new Error(`${post} got no title card`);
    // Half size: enough to read in a README, a third of the bytes.
    await sharp(card.file)
      .resize(600)
      .jpeg({ quality: 82 })
      .toFile(join(out, `${name}.jpg`));
    console.log(
      `docs/cards/${name}.jpg from ${post}${result.headers[0]?.placeholder ? ' (placeholder art)' : ''}`,
    );
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
