// `npm run check:packages`: lints each published package as npm would pack it.
// - publint (--strict: its warnings fail too): the manifest, exports map and files.
// - @arethetypeswrong/cli (attw): that TypeScript finds the right types for each export.
//   The packages are ESM only (Node >=22.12), so its `esm-only` profile: CommonJS
//   `require` and the pre-exports node10 resolution are not checked.
//   attw runs TypeScript's JS API, which TypeScript 7 (this repository's compiler) does not
//   have: the root package.json's `overrides` gives attw alone TypeScript 6.
// Arguments: package folders (default: the three packages). Exits 1 when any check fails.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  dirs.push('packages/core', 'packages/vite-plugin', 'packages/astro-integration');
}

const bin = (name) => join(repo, 'node_modules', '.bin', name);
const checks = [
  { name: 'publint', args: (dir) => [bin('publint'), 'run', '--strict', dir] },
  {
    name: 'attw',
    args: (dir) => [bin('attw'), '--pack', dir, '--profile', 'esm-only', '--format', 'ascii'],
  },
];

const failed = [];
for (const dir of dirs) {
  const folder = resolve(dir);
  for (const check of checks) {
    console.log(`\n== ${check.name} ${dir}`);
    const result = spawnSync(process.execPath, check.args(folder), {
      stdio: 'inherit',
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    if (result.status !== 0) failed.push(`${check.name} ${dir}`);
  }
}

if (failed.length > 0) {
  console.error(`\ncheck:packages: ${failed.length} failed: ${failed.join(', ')}`);
  process.exit(1);
}
console.log(`\ncheck:packages: publint and attw found no problem in ${dirs.join(', ')}`);
