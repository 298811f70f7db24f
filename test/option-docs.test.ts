import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// The README's options tables are generated from the option schemas' `.meta()` by
// `npm run docs:options`; this runs the same script's `--check`, on the built core that
// `npm test` has just built.
const run = promisify(execFile);
const script = join(import.meta.dirname, '..', 'scripts', 'option-docs.mjs');
const readmePath = join(import.meta.dirname, '..', 'README.md');
const scratch = mkdtemp(join(tmpdir(), 'headerforge-option-docs-'));
afterAll(async () => rm(await scratch, { recursive: true, force: true }));

async function check(readme: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, '--check', '--readme', readme]);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, output: stdout + stderr };
  }
}

/** A copy of the README, changed, for the check to judge. */
async function readmeWith(change: (readme: string) => string): Promise<string> {
  const file = join(await scratch, `README-${Math.random().toString(36).slice(2)}.md`);
  await writeFile(file, change(await readFile(readmePath, 'utf8')));
  return file;
}

describe('option docs (npm run docs:options)', () => {
  it('README.md matches the option schemas: run npm run docs:options when this fails', async () => {
    const { code, output } = await check(readmePath);
    expect(output).toContain('up to date');
    expect(code).toBe(0);
  });

  it('names the option whose row no longer says what its schema says', async () => {
    const edited = await readmeWith((readme) =>
      readme.replace(/^(\| `maxRetries` \| `2` \| ).*$/m, '$1Retries for 429, 5xx and timeouts. |'),
    );
    const { code, output } = await check(edited);
    expect(code).toBe(1);
    expect(output).toMatch(/site options: .*`maxRetries` differs/);
    expect(await readFile(edited, 'utf8')).toContain('5xx and timeouts');
  });

  it('names rows that are missing or for options that do not exist', async () => {
    const edited = await readmeWith((readme) =>
      readme
        .replace(/^\| `fetch` \| .*\n/m, '')
        .replace(
          /^(\| `apiKey` \| .*\n)/m,
          '$1| `proxy` | — | An option that was never there. |\n',
        ),
    );
    const { code, output } = await check(edited);
    expect(code).toBe(1);
    expect(output).toMatch(/OpenRouter client options: .*`fetch` is missing/);
    expect(output).toMatch(/OpenRouter client options: .*`proxy` is not an option/);
  });

  it('says where the markers go when a table has none', async () => {
    const edited = await readmeWith((readme) => readme.replace('<!-- options:client:end -->', ''));
    const { code, output } = await check(edited);
    expect(code).toBe(1);
    expect(output).toContain('has no "<!-- options:client:start … -->"');
  });
});
