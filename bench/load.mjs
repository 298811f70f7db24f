// Load cost (issue 16, item 3): what importing @headerforge/astro and running its
// `astro:config:setup` hook adds to an Astro build, each run in a fresh process
// (`bench/load-child.mjs`).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { median } from './median.mjs';

const run = promisify(execFile);
const child = join(import.meta.dirname, 'load-child.mjs');

const once = async (mode) => JSON.parse((await run(process.execPath, [child, mode])).stdout);
const round = (ms) => Math.round(ms * 10) / 10;

/**
 * `runs` fresh processes with the host's modules loaded first (vite and zod, as in
 * `astro build`), alternating with as many that load only vite (zod counted as ours).
 */
export async function load({ runs = 9 } = {}) {
  const host = [];
  const bare = [];
  for (let i = 0; i < runs; i++) {
    host.push(await once('host'));
    bare.push(await once('bare'));
  }
  const { modules, libraryModules } = await once('count');
  const totals = host.map((r) => r.totalMs);
  const typical = host.find((r) => r.totalMs === median(totals));
  return {
    runs,
    medianMs: round(median(totals)),
    importMs: round(typical.importMs),
    hookMs: round(typical.hookMs),
    allMs: totals.map(round),
    withoutZodMs: round(median(bare.map((r) => r.totalMs))),
    modules,
    libraryModules,
  };
}

/** Its rows in bench/README.md's results table. */
export function loadRows(r) {
  if (!r) return [];
  return [
    `| import of \`@headerforge/astro\` and its config hook, fresh process, median of ${r.runs} | ${r.medianMs} ms (import ${r.importMs} ms, hook ${r.hookMs} ms), loading ${r.modules} of headerforge's modules and ${r.libraryModules} of libraries; ${r.withoutZodMs} ms when zod is not loaded yet | ≤ 60 ms | ${r.medianMs <= 60 ? 'met' : '**missed**'} |`,
  ];
}
