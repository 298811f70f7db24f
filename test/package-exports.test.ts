import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');

const packages = [
  {
    dir: 'packages/core',
    name: '@headerforge/core',
    expects: ['createOpenRouterClient', 'HeaderforgeError'],
  },
  { dir: 'packages/vite-plugin', name: '@headerforge/vite', expects: ['default'] },
  { dir: 'packages/astro-integration', name: '@headerforge/astro', expects: ['default'] },
];

interface Manifest {
  type?: string;
  files?: string[];
  engines?: { node?: string };
  exports: Record<string, string | { types: string; default?: string }>;
}

// `npm test` builds first (tsc, then core's bundle), so dist/ is what a user of the published package gets.
describe.each(packages)('$name as published', ({ dir, name, expects }) => {
  const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as Manifest;

  it('is ESM with an exports map, files and engines.node >=22.12', () => {
    expect(manifest.type).toBe('module');
    expect(manifest.files).toContain('dist');
    expect(manifest.engines?.node).toBe('>=22.12');
    expect(Object.keys(manifest.exports)).toContain('.');
  });

  it('points every export at built JavaScript and a .d.ts', () => {
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      if (typeof target === 'string') continue;
      // A types-only subpath (like `@headerforge/vite/client`) has no JavaScript.
      if (target.default) {
        expect(existsSync(join(root, dir, target.default)), `${subpath} → ${target.default}`).toBe(
          true,
        );
      }
      expect(existsSync(join(root, dir, target.types)), `${subpath} → ${target.types}`).toBe(true);
    }
  });

  it('imports from plain Node ESM, outside vitest', async () => {
    const subpaths = Object.entries(manifest.exports)
      .filter(
        ([key, target]) => !key.endsWith('.json') && (typeof target === 'string' || target.default),
      )
      .map(([key]) => key);
    const script = subpaths
      .map(
        (subpath, i) =>
          `const m${i} = await import('${name}${subpath.slice(1)}'); keys.push(...Object.keys(m${i}));`,
      )
      .join('\n');
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const keys = []; ${script}; console.log(JSON.stringify({ version: process.version, keys }));`,
      ],
      { cwd: root },
    );
    const result = JSON.parse(stdout) as { version: string; keys: string[] };
    expect(result.keys).toEqual(expect.arrayContaining(expects));
    expect(Number(result.version.slice(1).split('.')[0])).toBeGreaterThanOrEqual(22);
  });
});
