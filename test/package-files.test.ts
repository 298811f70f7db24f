import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');

// What each tarball may hold: built JavaScript and its .d.ts, the manifest, README, changelog
// and licence. No source maps (the build makes none: no src/ is shipped for one to point at),
// no .tsbuildinfo, no tests, no repository-only code. Any other file is a surprise.
const ALWAYS = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'];
const NEVER = [
  '**/*.map',
  '**/*.tsbuildinfo*',
  '**/.tsbuildinfo*',
  '**/*.test.*',
  '**/*.test-support.*',
  'dist/internal/**',
  'src/**',
];

interface Expected {
  dir: string;
  allowed: string[];
  /**
   * Where a built file's source may live (any of them): a built file with no source is a
   * stale leftover of an earlier build.
   */
  sources: Array<[built: string, source: string]>;
  /**
   * The bundle's record of the JavaScript it wrote to dist/ (see scripts/bundle.mjs):
   * dist's `.js` files are its entries and chunks, not one per source, and one it did not
   * write is a stale leftover.
   */
  bundle: string;
  /** JavaScript tsc writes to dist/ beside the bundle, for the browser: built from `sources`. */
  browser?: string[];
}

const packages: Expected[] = [
  {
    dir: 'packages/core',
    // bin/: the `headerforge` command, a committed file that npm can link before a build.
    allowed: ['dist/**/*.js', 'dist/**/*.d.ts', 'bin/headerforge.js'],
    sources: [['dist/', 'src/']],
    bundle: 'build/bundle.json',
  },
  {
    dir: 'packages/vite-plugin',
    allowed: ['dist/**/*.js', 'dist/**/*.d.ts', 'client.d.ts'],
    // The review page's browser script is built from client/ (tsconfig.client.json).
    sources: [
      ['dist/review/', 'client/'],
      ['dist/', 'src/'],
    ],
    bundle: 'build/bundle.json',
    browser: ['dist/review/review.js'],
  },
  {
    dir: 'packages/astro-integration',
    allowed: ['dist/**/*.js', 'dist/**/*.d.ts'],
    sources: [['dist/', 'src/']],
    bundle: 'build/bundle.json',
  },
];

interface Manifest {
  exports: Record<string, string | Record<string, string>>;
  bin?: Record<string, string>;
}

/** Every file the manifest points at: export targets and bins. */
function entryPoints(manifest: Manifest): string[] {
  const targets = Object.values(manifest.exports).flatMap((target) =>
    typeof target === 'string' ? [target] : Object.values(target),
  );
  return [...targets, ...Object.values(manifest.bin ?? {})].map((path) =>
    path.replace(/^\.\//, ''),
  );
}

/** Why each file should not be in the tarball (empty when the list is as expected). */
function surprises(
  files: string[],
  expected: Expected,
  manifest: Manifest,
  sourceExists: (path: string) => boolean,
  /** The files the bundle wrote, relative to dist/. */
  bundled: ReadonlySet<string>,
): string[] {
  const allowed = picomatch([...ALWAYS, ...expected.allowed], { dot: true });
  const never = picomatch(NEVER, { dot: true });
  const found: string[] = [];
  for (const file of files) {
    if (never(file) || !allowed(file)) {
      found.push(`${file}: not a file users need`);
      continue;
    }
    if (file.startsWith('dist/') && file.endsWith('.js') && !expected.browser?.includes(file)) {
      if (!bundled.has(file.slice('dist/'.length)))
        found.push(`${file}: not written by the last bundle (stale: rebuild dist/ from clean)`);
      continue;
    }
    const built = expected.sources.filter(([prefix]) => file.startsWith(prefix));
    const fromSource = built.some(([prefix, source]) =>
      sourceExists(`${source}${file.slice(prefix.length).replace(/\.(d\.ts|js)$/, '')}.ts`),
    );
    if (built.length > 0 && !fromSource) {
      found.push(`${file}: built from no source (stale: rebuild dist/ from clean)`);
    }
  }
  for (const entry of entryPoints(manifest)) {
    if (!files.includes(entry)) found.push(`${entry}: in the manifest but not in the tarball`);
  }
  return found;
}

async function packedFiles(dir: string): Promise<string[]> {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: join(root, dir),
  });
  const [report] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
  return (report?.files ?? []).map((file) => file.path).sort();
}

// `npm test` builds first (tsc, then the bundles), so dist/ is what `npm publish` would pack.
describe.each(packages)('the $dir tarball', (expected) => {
  const manifest = JSON.parse(
    readFileSync(join(root, expected.dir, 'package.json'), 'utf8'),
  ) as Manifest;

  it('holds only what users need', async () => {
    const files = await packedFiles(expected.dir);
    expect(files.length).toBeGreaterThan(2);
    const bundled = new Set(
      Object.keys(JSON.parse(readFileSync(join(root, expected.dir, expected.bundle), 'utf8'))),
    );
    expect(
      surprises(
        files,
        expected,
        manifest,
        (path) => existsSync(join(root, expected.dir, path)),
        bundled,
      ),
    ).toEqual([]);
  });
});

describe('the tarball check', () => {
  it('names each surprise: build info, tests, maps, sources, stale and missing files', () => {
    const [core] = packages as [Expected];
    const manifest: Manifest = {
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
      bin: { headerforge: './dist/cli/bin.js' },
    };
    const sources = new Set(['src/index.ts', 'src/cli/bin.ts']);
    const files = [
      'package.json',
      'README.md',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/.tsbuildinfo',
      'dist/index.js.map',
      'dist/cache/store.test.js',
      'dist/internal/index.js',
      'src/index.ts',
      'dist/old-module.js',
      'dist/old-module.d.ts',
      'dist/chunks/scan.js',
      'dist/chunks/scan2.js',
      'notes.txt',
    ];
    const bundled = new Set(['index.js', 'chunks/scan.js']);
    expect(surprises(files, core, manifest, (path) => sources.has(path), bundled)).toEqual([
      'dist/.tsbuildinfo: not a file users need',
      'dist/index.js.map: not a file users need',
      'dist/cache/store.test.js: not a file users need',
      'dist/internal/index.js: not a file users need',
      'src/index.ts: not a file users need',
      'dist/old-module.js: not written by the last bundle (stale: rebuild dist/ from clean)',
      'dist/old-module.d.ts: built from no source (stale: rebuild dist/ from clean)',
      'dist/chunks/scan2.js: not written by the last bundle (stale: rebuild dist/ from clean)',
      'notes.txt: not a file users need',
      'dist/cli/bin.js: in the manifest but not in the tarball',
    ]);
  });

  it("takes the browser's script beside the bundle only when its source is there", () => {
    const vite = packages.find((expected) => expected.dir === 'packages/vite-plugin') as Expected;
    const manifest: Manifest = { exports: { '.': './dist/index.js' } };
    const files = [
      'dist/index.js',
      'dist/review/server.js',
      'dist/review/review.js',
      'dist/review/middleware.js',
    ];
    const bundled = new Set(['index.js', 'review/server.js']);
    expect(
      surprises(files, vite, manifest, (path) => path === 'client/review.ts', bundled),
    ).toEqual([
      'dist/review/middleware.js: not written by the last bundle (stale: rebuild dist/ from clean)',
    ]);
    expect(surprises(files.slice(0, 3), vite, manifest, () => false, bundled)).toEqual([
      'dist/review/review.js: built from no source (stale: rebuild dist/ from clean)',
    ]);
  });
});
