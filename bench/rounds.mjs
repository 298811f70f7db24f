// By hand, between recorded runs: the warm figure's method on sites of your choosing, to try
// a change before recording it (see bench/README.md, "Trying a change by hand").
//
//   node bench/rounds.mjs [--rounds 15] [NAME=DIR ...]
//
// With no NAME=DIR, it copies the bench's two sites (left in .tmp/bench-sites/ by
// `npm run bench -- warm`, caches filled) to a RAM file system, with a second copy of the
// plain one as the control, as the recorded run does. Each site is built once untimed, then
// `--rounds` rounds of one `astro build` each, the order turning every round. Printed: each
// build's wall and CPU time (the build process's user + system, its threads included) and
// its main thread's CPU time (the thread the build waits on), then per site the median of
// its builds and of its ratios to the first site's build of the same round, with the CPU
// reference (cpu-reference.mjs) before and after. A copy of a site with a change in its
// node_modules/@headerforge is another NAME=DIR.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { copySite, ramDir } from './astro-site.mjs';
import { cpuReference } from './cpu-reference.mjs';
import { median } from './median.mjs';

const run = promisify(execFile);
const repo = join(import.meta.dirname, '..');
const astroBin = join(repo, 'node_modules/astro/bin/astro.mjs');
const countSharp = pathToFileURL(join(import.meta.dirname, 'count-sharp.mjs')).href;

const args = process.argv.slice(2);
const roundsAt = args.indexOf('--rounds');
const rounds = roundsAt >= 0 ? Number(args.splice(roundsAt, 2)[1]) : 15;
if (!(rounds >= 1)) throw new Error('--rounds takes a number of rounds, at least 1');

/** CPU seconds of this process's waited-for children so far (Linux: /proc/self/stat). */
function childrenCpu() {
  if (!existsSync('/proc/self/stat')) return Number.NaN;
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  // cutime and cstime, fields 16 and 17 of the file (14 and 15 after the command's name).
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

async function build(dir) {
  const { NODE_ENV: _, ...env } = process.env;
  // The main thread's CPU time, written at exit by count-sharp.mjs.
  const out = join(tmpdir(), `headerforge-rounds-main-cpu-${process.pid}.json`);
  const cpu = childrenCpu();
  const started = performance.now();
  await run(process.execPath, [astroBin, 'build'], {
    cwd: dir,
    env: { ...env, NODE_OPTIONS: `--import=${countSharp}`, HEADERFORGE_BENCH_SHARP_COUNT: out },
    maxBuffer: 64 * 2 ** 20,
  });
  const wall = (performance.now() - started) / 1000;
  const { mainCpuMs } = JSON.parse(readFileSync(out, 'utf8'));
  rmSync(out, { force: true });
  return { wall, cpu: childrenCpu() - cpu, main: mainCpuMs / 1000 };
}

let scratch;
let sites = args.map((arg) => {
  const [name, dir] = arg.split('=');
  if (!name || !dir) throw new Error(`${arg}: give each site as NAME=DIR`);
  return { name, dir: resolve(dir) };
});
if (sites.length === 0) {
  const bench = join(repo, '.tmp', 'bench-sites');
  if (!existsSync(join(bench, 'headerforge', 'node_modules', '.cache', 'headerforge')))
    throw new Error(`${bench} has no filled sites: run \`npm run bench -- warm\` once first`);
  const ram = ramDir();
  scratch = await mkdtemp(join(ram ?? join(repo, '.tmp'), 'headerforge-rounds-'));
  console.log(`copying the bench's sites to ${scratch}…`);
  sites = [];
  for (const [name, from] of [
    ['plain', 'plain'],
    ['headerforge', 'headerforge'],
    ['control', 'plain'],
  ]) {
    sites.push({ name, dir: await copySite(join(bench, from), join(scratch, name)) });
  }
}

try {
  // The machine's speed before and after (see cpu-reference.mjs): a run whose two differ
  // much was taken on a machine that changed under it.
  console.log(`CPU reference before: ${await cpuReference()} ms`);
  for (const site of sites) await build(site.dir);
  const times = new Map(sites.map((site) => [site.name, []]));
  for (let round = 0; round < rounds; round++) {
    const turn = round % sites.length;
    const line = [];
    for (const site of [...sites.slice(turn), ...sites.slice(0, turn)]) {
      const time = await build(site.dir);
      times.get(site.name)[round] = time;
      line.push(
        `${site.name} ${time.wall.toFixed(2)} s (CPU ${time.cpu.toFixed(2)} s, main thread ${time.main.toFixed(2)} s)`,
      );
    }
    console.log(`round ${round + 1}/${rounds}: ${line.join(', ')}`);
  }
  console.log(`CPU reference after: ${await cpuReference()} ms`);
  const [first] = sites;
  const base = times.get(first.name);
  for (const { name } of sites) {
    const own = times.get(name);
    const ratio = (key) => median(own.map((time, i) => time[key] / base[i][key])).toFixed(3);
    const mid = (key) => median(own.map((time) => time[key])).toFixed(2);
    console.log(
      `${name}: median ${mid('wall')} s, CPU ${mid('cpu')} s, main thread ${mid('main')} s; against ${first.name}: ${ratio('wall')}× (CPU ${ratio('cpu')}×, main thread ${ratio('main')}×)`,
    );
  }
} finally {
  if (scratch) await rm(scratch, { recursive: true, force: true });
}
