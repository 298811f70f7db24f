// Writes the warm-build benchmark's two Astro sites of N posts each, identical but for
// where the hero image comes from:
//   headerforge/  posts carry a `header` prompt; headerforgeLoader fills `heroImage`.
//   plain/        posts name an image file in `heroImage`, as Astro's blog template does.
// Both render the hero with the same `<Image>`; `plain` gets the very files headerforge
// hands to Astro (see `usePlainImages`), so the two builds do the same image work.
// The headerforge site has its own node_modules/@headerforge, as a user's `npm install`
// leaves it (see `installPackages`).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { copyFile, cp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const repo = join(import.meta.dirname, '..');

const slug = (i) => `post-${String(i).padStart(4, '0')}`;

const words = 'light river paper copper window garden signal harbour lantern orbit'.split(' ');
const body = (i) =>
  Array.from(
    { length: 4 },
    (_, p) =>
      `Paragraph ${p + 1} of post ${i}: ${words.map((w, k) => words[(i + p + k) % words.length] ?? w).join(' ')}.`,
  ).join('\n\n');

const page = `---
import { Image } from 'astro:assets';
import { getCollection, render } from 'astro:content';

export async function getStaticPaths() {
  const posts = await getCollection('blog');
  return posts.map((post) => ({ params: { slug: post.id }, props: { post } }));
}

const { post } = Astro.props;
const { title, description, heroImage } = post.data;
const { Content } = await render(post);
---

<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>{title}</title>
    <meta name="description" content={description} />
  </head>
  <body>
    <article>
      {heroImage && <Image width={1020} src={heroImage} alt={\`Illustration for \${title}\`} />}
      <h1>{title}</h1>
      <Content />
    </article>
  </body>
</html>
`;

const index = `---
import { getCollection } from 'astro:content';
const posts = await getCollection('blog');
---

<html lang="en">
  <head><meta charset="utf-8" /><title>Bench blog</title></head>
  <body>
    <ul>{posts.map((post) => <li><a href={\`/\${post.id}/\`}>{post.data.title}</a></li>)}</ul>
  </body>
</html>
`;

const schema = `({ image }) =>
    z.object({
      title: z.string(),
      description: z.string(),
      pubDate: z.coerce.date(),
      heroImage: image().optional(),
      header: z.string().optional(),
    })`;

const versionOf = (manifest) => JSON.parse(readFileSync(join(repo, manifest), 'utf8')).version;
const astroVersion = `^${versionOf('node_modules/astro/package.json')}`;
const headerforgeVersion = versionOf('packages/astro-integration/package.json');

const flavours = {
  headerforge: {
    config: `import headerforge from '@headerforge/astro';
import { defineConfig } from 'astro/config';

export default defineConfig({ integrations: [headerforge()] });
`,
    content: `import { defineCollection, z } from 'astro:content';
import { headerforgeLoader } from '@headerforge/astro';
import { glob } from 'astro/loaders';

const blog = defineCollection({
  loader: headerforgeLoader(glob({ base: './src/content/blog', pattern: '**/*.md' }), {
    field: 'heroImage',
  }),
  schema: ${schema},
});

export const collections = { blog };
`,
    dependencies: { '@headerforge/astro': `^${headerforgeVersion}` },
    frontmatter: (i) => `header: "Bench illustration ${i}: ${words[i % words.length]} at dusk"`,
  },
  plain: {
    config: `import { defineConfig } from 'astro/config';

export default defineConfig({});
`,
    content: `import { defineCollection, z } from 'astro:content';
import { glob } from 'astro/loaders';

const blog = defineCollection({
  loader: glob({ base: './src/content/blog', pattern: '**/*.md' }),
  schema: ${schema},
});

export const collections = { blog };
`,
    frontmatter: (i) => `heroImage: ../../assets/heroes/${slug(i)}.png`,
  },
};

/** Writes both sites under `dir` (emptied first); returns their roots. */
export async function writeSites(dir, posts) {
  await rm(dir, { recursive: true, force: true });
  const roots = {};
  for (const [name, flavour] of Object.entries(flavours)) {
    const root = join(dir, name);
    roots[name] = root;
    await mkdir(join(root, 'src/content/blog'), { recursive: true });
    await mkdir(join(root, 'src/pages'), { recursive: true });
    // The dependencies a user's site declares: Astro reads them to decide which packages
    // Vite transforms as the site's own source (see `"astro": { "external": true }` in
    // @headerforge/astro's package.json).
    const dependencies = { astro: astroVersion, ...flavour.dependencies };
    await writeFile(
      join(root, 'package.json'),
      `${JSON.stringify({ name: `bench-${name}`, private: true, type: 'module', dependencies }, null, 2)}\n`,
    );
    await writeFile(join(root, 'astro.config.mjs'), flavour.config);
    await writeFile(join(root, 'src/content.config.ts'), flavour.content);
    await writeFile(join(root, 'src/pages/[...slug].astro'), page);
    await writeFile(join(root, 'src/pages/index.astro'), index);
    if (name === 'headerforge') await installPackages(root);
    for (let i = 1; i <= posts; i++) {
      const date = new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString().slice(0, 10);
      await writeFile(
        join(root, 'src/content/blog', `${slug(i)}.md`),
        `---\ntitle: Post ${i}\ndescription: Benchmark post number ${i}.\npubDate: ${date}\n${flavour.frontmatter(i)}\n---\n\n${body(i)}\n`,
      );
    }
  }
  return roots;
}

/** The workspace's packages, by folder under packages/. */
const PACKAGES = ['core', 'vite-plugin', 'astro-integration'];

/**
 * Puts headerforge's packages in `root`'s node_modules as `npm install` does for a user: real
 * folders holding what `npm pack` would publish (built dist/ included), not the workspace's
 * links into packages/. Through a link, a package is outside node_modules, and Vite treats it
 * as the site's own source: it does not externalize it, so a build's content config, which
 * imports `@headerforge/astro` for its loader, had Vite transform and run a second copy of
 * our modules that an installed package is never put through (less than the warm figure can
 * tell apart: see bench/README.md, "Warm build overhead: eighth session").
 */
export async function installPackages(root) {
  for (const folder of PACKAGES) {
    const from = join(repo, 'packages', folder);
    const { name } = JSON.parse(await readFile(join(from, 'package.json'), 'utf8'));
    const to = join(root, 'node_modules', name);
    await rm(to, { recursive: true, force: true });
    for (const file of await packedFiles(from)) {
      await mkdir(dirname(join(to, file)), { recursive: true });
      await copyFile(join(from, file), join(to, file));
    }
  }
}

/** The files `npm pack` would put in the tarball of the package in `dir`. */
async function packedFiles(dir) {
  const { stdout } = await promisify(execFile)(
    'npm',
    ['pack', '--dry-run', '--json', '--ignore-scripts'],
    { cwd: dir },
  );
  const [report] = JSON.parse(stdout);
  return report.files.map((file) => file.path);
}

/**
 * Copies, for every post, the image headerforge hands to Astro (`masters`: post file →
 * image file) to where the plain site's frontmatter points.
 */
export async function usePlainImages(plainRoot, masters) {
  const dir = join(plainRoot, 'src/assets/heroes');
  await mkdir(dir, { recursive: true });
  for (const [file, image] of masters) {
    const name = file.split('/').at(-1).replace(/\.md$/, '.png');
    await copyFile(image, join(dir, name));
  }
}

/**
 * A RAM file system for the timed builds, when the machine has one (Linux's `/dev/shm`) with
 * room for three copies of the sites (about 0.6 GB at 1,000 posts; 2 GB asked); otherwise
 * undefined, and they run on disk beside the sites.
 */
export function ramDir() {
  if (!existsSync('/dev/shm')) return undefined;
  const { bavail, bsize } = statfsSync('/dev/shm');
  return bavail * bsize >= 2 * 2 ** 30 ? '/dev/shm' : undefined;
}

/**
 * Copies a site to `dest` with its caches (`node_modules/.cache`, headerforge's derived
 * cache but for its warm index, and `node_modules/.astro`, Astro's) and its installed
 * packages (`node_modules/@headerforge`, see `installPackages`), but not its `dist`. Its
 * other `node_modules` entries are links to the repository's, so that it resolves astro
 * from anywhere, as the site itself does from inside the repository.
 */
export async function copySite(root, dest) {
  await rm(dest, { recursive: true, force: true });
  await cp(root, dest, {
    recursive: true,
    filter: (source) => !/^[\\/](node_modules|dist)$/.test(source.slice(root.length)),
  });
  const modules = join(dest, 'node_modules');
  await mkdir(modules);
  const installed = join(root, 'node_modules', '@headerforge');
  for (const entry of await readdir(join(repo, 'node_modules'))) {
    if (entry.startsWith('.')) continue;
    if (entry === '@headerforge' && existsSync(installed)) {
      await cp(installed, join(modules, entry), { recursive: true });
    } else {
      await symlink(join(repo, 'node_modules', entry), join(modules, entry));
    }
  }
  for (const cache of ['.cache', '.astro']) {
    const from = join(root, 'node_modules', cache);
    // Not headerforge's warm index: its facts hold while their files keep their times, which
    // `cp` does not keep (folders not at all, files to the millisecond), so the copy's first
    // build would add a second set beside the first, twice what a site that stays where it is
    // reads on each build. That build writes the copy's own (see `timedBuilds`).
    const filter = (source) => !/[\\/]warm-(index|headers)-\d+\.json$/.test(source);
    if (existsSync(from)) await cp(from, join(modules, cache), { recursive: true, filter });
  }
  return dest;
}
