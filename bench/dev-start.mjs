// Dev start (issue 16, item 5): how long `vite dev` and `astro dev` take to be ready on a
// site whose headers are all uncached, no key (placeholder mode), against the same site
// without headerforge.
//
// "Ready" is measured from the spawn of the dev command (`vite` or `astro dev`, a fresh
// Node process) to the first 200 answer to a page request: `/` for Vite (its HTML goes
// through the plugin's transformIndexHtml), `/post-0001/` for Astro (a page rendering a
// content-collection entry whose `heroImage` headerforgeLoader filled). The page is asked
// for every 25 ms from the spawn on, so a server that listens before it can answer is not
// ready until it does. The process group is killed once the answer arrives; headerforge's
// caches (the committed one and the derived one) are deleted before every run.
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { usePlainImages, writeSites } from './astro-site.mjs';

const here = import.meta.dirname;
const repo = join(here, '..');
const bins = {
  vite: join(repo, 'node_modules/vite/bin/vite.js'),
  astro: join(repo, 'node_modules/astro/bin/astro.mjs'),
};
const slug = (i) => `post-${String(i).padStart(4, '0')}`;

/**
 * Medians of `runs` alternating starts per site (plain, then headerforge), for each host
 * and number of posts; the figure is the median of the paired ratios, as for warm builds.
 */
export async function devStart({
  sizes = [24, 300],
  runs = 5,
  hosts = ['vite', 'astro'],
  // Where the sites are written; they resolve `@headerforge/*` from the node_modules above it
  // (another build of headerforge can be measured by giving a folder under its checkout).
  dir = join(repo, '.tmp', 'bench-dev'),
  log = console.log,
} = {}) {
  const out = { runs, definition: 'spawn → first 200 page answer', sites: {} };
  for (const posts of sizes) {
    const under = join(dir, String(posts));
    const sites = {
      vite: hosts.includes('vite') && (await writeViteSites(join(under, 'vite'), posts)),
      astro: hosts.includes('astro') && (await writeAstroSites(join(under, 'astro'), posts)),
    };
    for (const host of hosts) {
      const roots = sites[host];
      // An untimed start of each fills Vite's and Astro's own caches (dependency
      // optimisation, content store), the same for both sites. It stays up past the 10 s
      // after which both CLIs write Node's compile cache (a dev server never reaches the
      // write at exit): a developer's server runs that long, and without it every timed
      // start would compile the modules that cache does not hold yet from scratch.
      for (const site of ['plain', 'headerforge'])
        await timeStart(host, roots[site], { stayMs: COMPILE_CACHE_FLUSH_MS });
      const times = { plain: [], headerforge: [] };
      for (let i = 0; i < runs; i++) {
        for (const site of ['plain', 'headerforge']) {
          times[site].push(await timeStart(host, roots[site]));
        }
        log(
          `dev start: ${host}, ${posts} posts, run ${i + 1}/${runs}: plain ${times.plain[i]} ms, headerforge ${times.headerforge[i]} ms`,
        );
      }
      const paired = times.headerforge.map((ms, i) => round(ms / times.plain[i]));
      out.sites[`${host}${posts}`] = {
        host,
        posts,
        plainMs: median(times.plain),
        headerforgeMs: median(times.headerforge),
        pairedRatios: paired,
        ratio: median(paired),
        times,
      };
    }
  }
  return out;
}

/** The README table's rows for this figure. */
export function devStartRows(r) {
  if (!r?.sites) return [];
  const ok = (good) => (good ? 'met' : '**missed**');
  return Object.values(r.sites).map(
    (s) =>
      `| \`${s.host} dev\` ready (spawn → first page answered), ${s.posts} uncached posts, no key: ${r.runs} alternating starts per site | median of the paired ratios ${s.ratio.toFixed(2)}× (${s.pairedRatios.join(', ')}); medians ${(s.headerforgeMs / 1000).toFixed(2)} s vs ${(s.plainMs / 1000).toFixed(2)} s without headerforge | ≤ 1.5× | ${ok(s.ratio <= 1.5)} |`,
  );
}

/** Milliseconds from spawning the dev command in `root` to its first 200 page answer. */
/** A little more than the 10 s after which `vite` and `astro` write Node's compile cache. */
const COMPILE_CACHE_FLUSH_MS = 11_000;

/** Spawn → first 200 page answer, in ms. With `stayMs`, the server then keeps running that long. */
async function timeStart(host, root, { stayMs = 0 } = {}) {
  await rm(join(root, '.headerforge'), { recursive: true, force: true });
  await rm(join(root, 'node_modules/.cache/headerforge'), { recursive: true, force: true });
  const port = await freePort();
  const args =
    host === 'vite'
      ? [bins.vite, '--port', String(port), '--strictPort', '--host', '127.0.0.1']
      : [bins.astro, 'dev', '--port', String(port), '--host', '127.0.0.1'];
  const url = `http://127.0.0.1:${port}${host === 'vite' ? '/' : `/${slug(1)}/`}`;
  // No key and not CI: headerforge is in placeholder mode, its default on a laptop.
  const {
    OPENROUTER_API_KEY: _k,
    HEADERFORGE_MODE: _m,
    CI: _c,
    NODE_ENV: _n,
    ...env
  } = process.env;
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: root, env, detached: true, stdio: 'pipe' });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    for (;;) {
      const answer = await fetch(url).catch(() => undefined);
      if (answer) {
        await answer.arrayBuffer();
        if (answer.status === 200) {
          const ms = Math.round(performance.now() - started);
          if (stayMs > 0) await new Promise((resolve) => setTimeout(resolve, stayMs));
          return ms;
        }
        throw new Error(`${host} dev in ${root} answered ${answer.status}:\n${output}`);
      }
      if (child.exitCode !== null) throw new Error(`${host} dev in ${root} exited:\n${output}`);
      if (performance.now() - started > 300_000)
        throw new Error(`${host} dev in ${root} was not ready after 5 minutes:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    process.kill(-child.pid, 'SIGKILL');
    await exited;
  }
}

/** Two Astro sites of `posts` posts (bench/astro-site.mjs); the plain one's heroes exist. */
async function writeAstroSites(dir, posts) {
  const roots = await writeSites(dir, posts);
  const hero = join(dir, 'hero.png');
  await heroImage(hero);
  await usePlainImages(
    roots.plain,
    Array.from({ length: posts }, (_, i) => [`${slug(i + 1)}.md`, hero]),
  );
  return roots;
}

/**
 * Two Vite sites of `posts` posts: the same files, but one has the headerforge plugin, a
 * `<picture data-headerforge>` of the first post in its page and a script listing every
 * header from `virtual:headerforge`; the other shows an image file of the same size.
 */
async function writeViteSites(dir, posts) {
  await rm(dir, { recursive: true, force: true });
  const roots = {};
  for (const site of ['plain', 'headerforge']) {
    const root = join(dir, site);
    roots[site] = root;
    await mkdir(join(root, 'posts'), { recursive: true });
    await mkdir(join(root, 'src'), { recursive: true });
    await mkdir(join(root, 'heroes'), { recursive: true });
    const withPlugin = site === 'headerforge';
    await writeFile(
      join(root, 'package.json'),
      `${JSON.stringify({ name: `bench-dev-${site}`, private: true, type: 'module' }, null, 2)}\n`,
    );
    await writeFile(
      join(root, 'vite.config.js'),
      withPlugin
        ? `import headerforge from '@headerforge/vite';\n\nexport default { plugins: [headerforge({ include: ['posts/**/*.md'] })] };\n`
        : 'export default {};\n',
    );
    const hero = withPlugin
      ? `<picture class="hero" data-headerforge="posts/${slug(1)}.md" data-sizes="100vw"></picture>`
      : `<img class="hero" src="/heroes/${slug(1)}.png" width="1344" height="756" alt="">`;
    await writeFile(
      join(root, 'index.html'),
      `<!doctype html>\n<html lang="en">\n  <head><meta charset="utf-8" /><title>Bench blog</title></head>\n  <body>\n    ${hero}\n    <main id="posts"></main>\n    <script type="module" src="/src/main.js"></script>\n  </body>\n</html>\n`,
    );
    await writeFile(
      join(root, 'src/main.js'),
      withPlugin
        ? `import { headers } from 'virtual:headerforge';\n\ndocument.querySelector('#posts').textContent = Object.keys(headers).join(', ');\n`
        : `document.querySelector('#posts').textContent = 'posts';\n`,
    );
    for (let i = 1; i <= posts; i++) {
      await writeFile(
        join(root, 'posts', `${slug(i)}.md`),
        `---\ntitle: Post ${i}\nheader: "Bench illustration ${i}, at dusk"\n---\n\nPost ${i}.\n`,
      );
    }
    if (!withPlugin) await heroImage(join(root, 'heroes', `${slug(1)}.png`));
  }
  return roots;
}

/** A 1344×756 PNG: the size of a 16:9 1K master. */
function heroImage(file) {
  return sharp({
    create: { width: 1344, height: 756, channels: 3, background: '#5b7fa3' },
  }).toFile(file);
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const median = (values) => {
  const sorted = values.toSorted((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : round((sorted[mid - 1] + sorted[mid]) / 2);
};
const round = (value) => Math.round(value * 100) / 100;

// `node bench/dev-start.mjs [vite|astro] [posts…] [--runs=N] [--dir=…]`: this figure alone,
// printed (the lead records it with `npm run bench -- devStart`).
if (import.meta.main) {
  const args = process.argv.slice(2);
  const hosts = args.filter((arg) => arg === 'vite' || arg === 'astro');
  const sizes = args.filter((arg) => /^\d+$/.test(arg)).map(Number);
  const flag = (name) => args.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  const result = await devStart({
    ...(sizes.length > 0 ? { sizes } : {}),
    ...(hosts.length > 0 ? { hosts } : {}),
    ...(flag('runs') ? { runs: Number(flag('runs')) } : {}),
    ...(flag('dir') ? { dir: resolve(flag('dir')) } : {}),
  });
  console.log(JSON.stringify(result, null, 2));
  for (const row of devStartRows(result)) console.log(row);
}
