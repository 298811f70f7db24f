// Bundles the three packages: tsc writes one JavaScript file per module to packages/*/build/;
// this writes one file per entry to packages/*/dist/ (each `exports` target, core's CLI and
// its repository-only `internal` entry), with what an entry loads on first use in a chunk:
// core's shared code and its lazily loaded parts (the pipeline, derivation, the OpenRouter
// client, the remote stores) in dist/chunks/, the Vite plugin's review page (a dev server's
// only) in dist/review/. A package's entries are bundled in one pass, so a module shared by
// two of them is one module instance, as it was unbundled. Dependencies, the other
// packages included, stay imports of their packages.
//
// Why: a warm Astro build loaded 108 of core's modules one by one; each costs the loader a
// resolution, a file read and a module record. Bundled, the import and the warm run take
// about 20 ms less CPU per build (bench/README.md, "Load cost"); the Vite plugin's and the
// Astro integration's 15 files, 2 now, took 5 ms more of the config hook's import.
//
// Also writes packages/*/build/bundle.json (not shipped): for each file in dist/, the source
// modules in it, which the tests use to tell which modules a process loaded and which files
// in dist/ the last bundle wrote.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { rolldown } from 'rolldown';

const packages = join(import.meta.dirname, '..', 'packages');

/**
 * Each package: its folder, its entries beyond `exports`, where its chunks go (default
 * `chunks/`), and what tsc writes to dist/ for the browser (kept).
 */
const PACKAGES = [
  {
    folder: 'core',
    entries: ['./dist/cli/bin.js', './dist/internal/index.js'],
  },
  {
    folder: 'vite-plugin',
    // The review page's module and what only it uses. Its browser script sits beside it:
    // tsc writes dist/review/review.js from client/ (tsconfig.client.json), which the
    // page's module finds as `./review.js`.
    chunks: 'review/[name].js',
    browser: ['review/review.js'],
  },
  { folder: 'astro-integration' },
];

// `npm run clean`: tsc has removed the files it wrote, not their folders; this removes each
// package's bundle, then every output folder left empty (build/ and dist/).
if (process.argv.includes('--clean')) {
  for (const { folder } of PACKAGES) removeBundle(join(packages, folder), new Set());
  for (const folder of readdirSync(packages)) {
    for (const output of ['dist', 'build']) removeEmptyFolders(join(packages, folder, output));
  }
  process.exit(0);
}

for (const spec of PACKAGES) await bundle(spec);

/** The last bundle's JavaScript in dist/ (its chunks' names may differ); the declarations and `keep` stay. */
function removeBundle(root, keep) {
  const dist = join(root, 'dist');
  let entries = [];
  try {
    entries = readdirSync(dist, { recursive: true, withFileTypes: true });
  } catch {}
  for (const entry of entries) {
    const file = join(entry.parentPath, entry.name);
    const name = relative(dist, file).replaceAll('\\', '/');
    if (entry.isFile() && entry.name.endsWith('.js') && !keep.has(name))
      rmSync(file, { force: true });
  }
  rmSync(join(dist, 'chunks'), { recursive: true, force: true });
  rmSync(join(root, 'build', 'bundle.json'), { force: true });
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

async function bundle({ folder, entries: extra = [], chunks = 'chunks/[name].js', browser = [] }) {
  const root = join(packages, folder);
  const built = join(root, 'build');
  const dist = join(root, 'dist');
  mkdirSync(dist, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

  /** Entry name (its path in dist/, without `.js`) → its file in build/. */
  const input = {};
  const addEntry = (target) => {
    const name = target.replace(/^\.\/dist\//, '').replace(/\.js$/, '');
    input[name] = join(built, `${name}.js`);
  };
  for (const target of Object.values(manifest.exports)) {
    if (typeof target === 'object' && target.default) addEntry(target.default);
  }
  for (const target of extra) addEntry(target);
  removeBundle(root, new Set(browser));

  const bundled = await rolldown({
    input,
    platform: 'node',
    // Every import that is not a relative path is a package (a dependency, or node:).
    external: (id, importer) =>
      importer !== undefined && !id.startsWith('.') && !id.startsWith('/'),
    // Any warning (an import that names nothing, an eval) fails the build.
    logLevel: 'warn',
    onLog(_level, log) {
      throw new Error(`bundling ${manifest.name}: ${log.message}`);
    },
  });
  const { output } = await bundled.write({
    dir: dist,
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: chunks,
    // tsc already wrote what it should; keep its output's text (comments included).
    minify: false,
    comments: { legal: true, annotation: true, jsdoc: true },
  });
  await bundled.close();

  const files = {};
  for (const chunk of output) {
    if (chunk.type !== 'chunk') continue;
    if (browser.includes(chunk.fileName))
      throw new Error(`bundling ${manifest.name}: a chunk took the name of ${chunk.fileName}`);
    files[chunk.fileName] = chunk.moduleIds
      .filter((id) => id.startsWith(built))
      .map((id) => relative(built, id).replaceAll('\\', '/'));
  }
  writeFileSync(join(built, 'bundle.json'), `${JSON.stringify(files, null, 2)}\n`);
  console.log(
    `${manifest.name}: ${Object.keys(input).length} entries, ${Object.keys(files).length} files in dist/`,
  );
}
