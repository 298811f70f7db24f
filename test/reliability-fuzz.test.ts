import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildHeaders, type HeaderJob, isHeaderforgeError } from '@headerforge/core';
import { generationKey, jobKeyInput } from '@headerforge/core/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CASE_TIMEOUT_MS,
  expectClearError,
  FILE,
  fuzzFrontmatter,
  scanText,
} from './support/fuzz-frontmatter.js';
import { testSeed } from './support/prng.js';

// Hostile frontmatter, generated: every document ends in a header or in one clear error
// naming the file and the field (never a crash, a hang or a stack trace), and a refused
// post never touches a cache. The seed is printed; HEADERFORGE_TEST_SEED replays a run.
// At full size (100,000 documents): test/stress/fuzz.test.ts.
const CASES = 10_000;
const SEED = testSeed(Math.floor(Math.random() * 2 ** 31));

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'hf-fuzz-'));
  await mkdir(join(root, 'posts'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe(`fuzzed frontmatter: ${CASES} documents (seed ${SEED})`, () => {
  const refused: string[] = [];

  it('each ends in a header or a clear error naming the file and the field', {
    timeout: 600_000,
  }, async () => {
    console.log(`[reliability] fuzz seed ${SEED}; HEADERFORGE_TEST_SEED=${SEED} replays it`);
    const result = await fuzzFrontmatter(root, CASES, SEED);
    refused.push(...result.refused);
    console.log(
      `[reliability] fuzz: ${CASES} documents · ${result.headers} headers · ${CASES - result.headers} without a header or refused with a clear error · crashes 0 · hangs 0`,
    );
    expect(refused.length).toBeGreaterThan(0);
  });

  it('a refused post touches no cache', { timeout: 120_000 }, async () => {
    for (const [i, text] of refused.slice(0, 20).entries()) {
      const site = join(root, `site-${i}`);
      await mkdir(join(site, 'posts'), { recursive: true });
      await writeFile(join(site, FILE), text);
      await expect(
        buildHeaders({ root: site, options: { include: ['posts/*.md'] }, env: {} }),
      ).rejects.toSatisfy(isHeaderforgeError);
      expect(await readdir(site)).toEqual(['posts']);
      await rm(site, { recursive: true, force: true });
    }
  });
});

describe('named hostile frontmatter', () => {
  const scan = (text: string) => scanText(root, text);

  it('a YAML alias bomb is refused at once', async () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const previous = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const text = `---\n${levels.join('\n')}\nheader: A bomb\n---\n`;
    const started = performance.now();
    const { error } = await scan(text);
    expect(performance.now() - started).toBeLessThan(CASE_TIMEOUT_MS);
    expectClearError(error, text);
    expect((error as Error).message).toMatch(/frontmatter cannot be read: .*alias/i);
  });

  it('a 1 MB prompt is refused, naming the field and the limit', async () => {
    const text = `---\nheader: "${'a'.repeat(1_000_000)}"\n---\n`;
    const { error } = await scan(text);
    expectClearError(error, text);
    expect((error as Error).message).toMatch(
      /"header" is a prompt of 1,000,000 characters, more than the 32,000 a prompt may have/,
    );
  });

  it.each([
    ['NUL', '\\0'],
    ['a bell', '\\a'],
    ['an escape', '\\e'],
    ['DEL', '\\x7F'],
  ])('a prompt with %s is refused, naming the field', async (_, control) => {
    for (const text of [
      `---\nheader: "A lighthouse${control} at dusk"\n---\n`,
      `---\nheader:\n  prompt: "A lighthouse${control} at dusk"\n---\n`,
    ]) {
      const { error } = await scan(text);
      expectClearError(error, text);
      expect((error as Error).message).toMatch(
        /"header(\.prompt)?" contains a control character \(U\+00/,
      );
    }
  });

  it('NFC and NFD spellings of a prompt share one key', async () => {
    const composed = 'Café at dawn, crème brûlée'.normalize('NFC');
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    const jobs = [];
    for (const prompt of [composed, decomposed]) {
      const { job } = await scan(`---\nheader: "${prompt}"\n---\n`);
      jobs.push(job as HeaderJob);
    }
    expect(jobs[1]?.prompt).toBe(jobs[0]?.prompt);
    expect(generationKey(jobKeyInput(jobs[1] as HeaderJob))).toBe(
      generationKey(jobKeyInput(jobs[0] as HeaderJob)),
    );
  });

  it('a byte order mark and CRLF line ends read as usual', async () => {
    for (const text of [
      '\uFEFF---\nheader: A lighthouse\n---\n',
      '---\r\nheader: A lighthouse\r\ntitle: T\r\n---\r\nBody\r\n',
      '\uFEFF---\r\nheader:\r\n  prompt: A lighthouse\r\n---\r\n',
    ]) {
      const { job, error } = await scan(text);
      expect(error).toBeUndefined();
      expect(job?.prompt).toBe('A lighthouse');
    }
  });

  it.each([
    ['a list', '---\n- header\n- A lighthouse\n---\n'],
    ['a scalar', '---\nA lighthouse\n---\n'],
  ])('frontmatter that is %s is refused', async (_, text) => {
    const { error } = await scan(text);
    expectClearError(error, text);
    expect((error as Error).message).toMatch(/the frontmatter must be a YAML mapping/);
  });

  it.each([
    ['a number', '42'],
    ['true', 'true'],
    ['a list', '[A lighthouse]'],
    ['a float', '4.2'],
    ['an empty object', '{}'],
    ['an empty string', '""'],
    ['an object without a prompt', '{ alt: x }'],
  ])('a header that is %s is refused, naming the field', async (_, value) => {
    const text = `---\nheader: ${value}\n---\n`;
    const { error } = await scan(text);
    expectClearError(error, text);
    expect((error as Error).message).toMatch(/"header/);
  });

  it('a reference path with a newline in it is refused on one line', async () => {
    const text = '---\nheader:\n  prompt: A lighthouse\n  references: ["brand\\nlogo.png"]\n---\n';
    const { error } = await scan(text);
    expectClearError(error, text);
    expect((error as Error).message).toMatch(/reference image "brand\\nlogo\.png" does not exist/);
  });

  it('duplicate keys are refused, naming the line', async () => {
    const text = '---\nheader: A lighthouse\nheader: A harbour\n---\n';
    const { error } = await scan(text);
    expectClearError(error, text);
    expect((error as Error).message).toMatch(/^posts\/fuzz\.md:3: invalid YAML .*unique/i);
  });
});
