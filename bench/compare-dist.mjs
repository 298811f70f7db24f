// `npm exec -- node bench/compare-dist.mjs <other-checkout> [pairs]`: is this checkout's
// headerforge as fast in a warm Astro build as another checkout's (say, the commit before a
// refactor)? It builds the 1,000-post bench site (`.tmp/bench-sites/headerforge`, made and
// filled by `npm run bench -- warm`) alternately with this checkout's `packages/*/dist` and
// the other's (build both first), swapping them in place. Same site, same node_modules,
// same caches: only headerforge's code differs, so the machine's drift, which moves a
// whole bench run by more than 10%, cancels in each pair. Prints every pair and the median
// ratio (this / other); puts this checkout's dist back at the end, even on failure.
import { execFile } from 'node:child_process';
import { cp, readdir, rename, rm, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '..');
const [otherArg, pairsArg = '8'] = process.argv.slice(2);
if (!otherArg) {
  console.error('usage: node bench/compare-dist.mjs <other-checkout> [pairs]');
  process.exit(2);
}
const other = resolve(otherArg);
const pairs = Number(pairsArg);
const site = join(repo, '.tmp/bench-sites/headerforge');
const packages = (await readdir(join(repo, 'packages'))).map((name) =>
  join(repo, 'packages', name),
);
const astro = join(repo, 'node_modules/astro/bin/astro.mjs');
// A key and an address nothing listens on: every image is cached, so nothing is requested.
const { NODE_ENV: _, ...inherited } = process.env;
const env = {
  ...inherited,
  OPENROUTER_API_KEY: 'sk-or-v1-compare',
  OPENROUTER_BASE_URL: 'http://127.0.0.1:9/api/v1',
};

async function use(which) {
  for (const dir of packages) {
    await rm(join(dir, 'dist'), { force: true });
    await symlink(`dist.${which}`, join(dir, 'dist'));
  }
}

async function build() {
  const started = performance.now();
  await run(process.execPath, [astro, 'build'], { cwd: site, env, maxBuffer: 64 * 2 ** 20 });
  return Math.round(performance.now() - started);
}

for (const dir of packages) {
  await rename(join(dir, 'dist'), join(dir, 'dist.this'));
  const theirs = join(other, 'packages', dir.split('/').at(-1), 'dist');
  await cp(theirs, join(dir, 'dist.other'), { recursive: true });
}
try {
  const ratios = [];
  for (let i = 0; i < pairs; i++) {
    // Alternate which goes first, so a slow first or second build favours neither.
    const order = i % 2 === 0 ? ['this', 'other'] : ['other', 'this'];
    const ms = {};
    for (const which of order) {
      await use(which);
      ms[which] = await build();
    }
    ratios.push(ms.this / ms.other);
    console.log(
      `pair ${i + 1}: this ${ms.this} ms, other ${ms.other} ms, ${ratios.at(-1).toFixed(3)}×`,
    );
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  const median = (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2;
  console.log(`median ratio this / other: ${median.toFixed(3)}× over ${pairs} pairs`);
} finally {
  for (const dir of packages) {
    await rm(join(dir, 'dist'), { force: true });
    await rm(join(dir, 'dist.other'), { recursive: true, force: true });
    await rename(join(dir, 'dist.this'), join(dir, 'dist'));
  }
}
