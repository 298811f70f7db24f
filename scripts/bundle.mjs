// Bundles @headerforge/core: tsc writes one JavaScript file per module to packages/core/build/;
// this writes one file per entry to packages/core/dist/ (each `exports` target, the CLI, and
// the repository-only `internal` entry), with what the entries share and what they load on
// first use (the pipeline, derivation, the OpenRouter client, the remote stores) in
// dist/chunks/. All entries are bundled in one pass, so a module shared by two of them is one
// module instance, as it was unbundled. Dependencies stay imports of their packages.
//
// Why: a warm Astro build loaded 108 of core's modules one by one; each costs the loader a
// resolution, a file read and a module record. Bundled, the import and the warm run take
// about 20 ms less CPU per build (bench/README.md, "Load cost").
//
// Also writes packages/core/build/bundle.json (not shipped): for each file in dist/, the source
// modules in it, which the tests use to tell which modules a process loaded.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { rolldown } from 'rolldown';

const core = join(import.meta.dirname, '..', 'packages', 'core');
const built = join(core, 'build');
const dist = join(core, 'dist');
mkdirSync(dist, { recursive: true });
const manifest = JSON.parse(readFileSync(join(core, 'package.json'), 'utf8'));

/** Entry name (its path in dist/, without `.js`) → its file in build/. */
const entries = {};
const addEntry = (target) => {
  const name = target.replace(/^\.\/dist\//, '').replace(/\.js$/, '');
  entries[name] = join(built, `${name}.js`);
};
for (const target of Object.values(manifest.exports)) {
  if (typeof target === 'object' && target.default) addEntry(target.default);
}
addEntry('./dist/cli/bin.js');
addEntry('./dist/internal/index.js');

// The last bundle's JavaScript goes (its chunks' names may differ); the declarations stay.
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (entry.isFile() && entry.name.endsWith('.js'))
    rmSync(join(entry.parentPath, entry.name), { force: true });
}
rmSync(join(dist, 'chunks'), { recursive: true, force: true });
rmSync(join(built, 'bundle.json'), { force: true });
// `npm run clean`: tsc has removed the files it wrote, not their folders; this removes the
// bundle, then every output folder left empty (core's build/ and each package's dist/).
if (process.argv.includes('--clean')) {
  const packages = join(core, '..');
  for (const folder of readdirSync(packages)) {
    for (const output of ['dist', 'build']) removeEmptyFolders(join(packages, folder, output));
  }
  process.exit(0);
}

/** Removes `folder` and the folders under it that hold no file; true if it went. */
function removeEmptyFolders(folder) {
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return false;
  }
  let empty = true;
  for (const entry of entries) {
    if (!entry.isDirectory() || !removeEmptyFolders(join(folder, entry.name))) empty = false;
  }
  if (empty) rmSync(folder, { recursive: true });
  return empty;
}

const bundle = await rolldown({
  input: entries,
  platform: 'node',
  // Every import that is not a relative path is a package (a dependency, or node:).
  external: (id, importer) => importer !== undefined && !id.startsWith('.') && !id.startsWith('/'),
  // Any warning (an import that names nothing, an eval) fails the build.
  logLevel: 'warn',
  onLog(_level, log) {
    throw new Error(`bundling @headerforge/core: ${log.message}`);
  },
});
const { output } = await bundle.write({
  dir: dist,
  format: 'esm',
  entryFileNames: '[name].js',
  chunkFileNames: 'chunks/[name].js',
  // tsc already wrote what it should; keep its output's text (comments included).
  minify: false,
  comments: { legal: true, annotation: true, jsdoc: true },
});
await bundle.close();

const files = {};
for (const chunk of output) {
  if (chunk.type !== 'chunk') continue;
  files[chunk.fileName] = chunk.moduleIds
    .filter((id) => id.startsWith(built))
    .map((id) => relative(built, id).replaceAll('\\', '/'));
}
writeFileSync(join(built, 'bundle.json'), `${JSON.stringify(files, null, 2)}\n`);
console.log(
  `@headerforge/core: ${Object.keys(entries).length} entries, ${output.filter((chunk) => chunk.type === 'chunk').length} files in dist/`,
);
