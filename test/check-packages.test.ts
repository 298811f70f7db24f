import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = join(import.meta.dirname, '..', 'scripts', 'check-packages.mjs');

// `npm run check:packages` (publint and attw, in .ci/run) on small packages made here: one
// that is right, and one with the mistakes the two tools exist for.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'headerforge-check-packages-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A package with two modules (index, extra), each with its .d.ts, and this manifest. */
async function makePackage(name: string, exports: Record<string, unknown>, files: string[]) {
  const folder = join(dir, name);
  await mkdir(folder);
  const manifest = { name, version: '1.0.0', type: 'module', exports, files };
  await writeFile(join(folder, 'package.json'), JSON.stringify(manifest, null, 2));
  for (const module of ['index', 'extra']) {
    await writeFile(join(folder, `${module}.js`), `export const ${module} = 42;\n`);
    await writeFile(join(folder, `${module}.d.ts`), `export declare const ${module}: number;\n`);
  }
  return folder;
}

async function check(folder: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, folder]);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, output: stdout + stderr };
  }
}

describe('check:packages', () => {
  it('passes a package whose exports map and files are right', async () => {
    const folder = await makePackage(
      'good-package',
      {
        '.': { types: './index.d.ts', default: './index.js' },
        './extra': { types: './extra.d.ts', default: './extra.js' },
      },
      ['*.js', '*.d.ts'],
    );
    const { code, output } = await check(folder);
    expect(code, output).toBe(0);
    expect(output).toContain('publint and attw found no problem');
  });

  it('fails, naming both tools, when an export has types listed last and not shipped', async () => {
    // publint: `types` must come first and be in the tarball; attw: `./extra` has no types.
    const folder = await makePackage(
      'bad-package',
      {
        '.': { types: './index.d.ts', default: './index.js' },
        './extra': { default: './extra.js', types: './extra.d.ts' },
      },
      ['index.js', 'index.d.ts', 'extra.js'],
    );
    const { code, output } = await check(folder);
    expect(code).toBe(1);
    expect(output).toContain(`check:packages: 2 failed: publint ${folder}, attw ${folder}`);
  });
});
