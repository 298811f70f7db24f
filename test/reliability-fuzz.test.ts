import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildHeaders,
  type HeaderJob,
  isHeaderforgeError,
  resolveOptions,
} from '@headerforge/core';
import { generationKey, jobKeyInput, scanFile } from '@headerforge/core/internal';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { testSeed } from './support/prng.js';

// Hostile frontmatter, generated: every document ends in a header or in one clear error
// naming the file and the field (never a crash, a hang or a stack trace), and a refused
// post never touches a cache. The seed is printed; HEADERFORGE_TEST_SEED replays a run.
const CASES = Number(process.env.HEADERFORGE_FUZZ_CASES ?? 10_000);
const SEED = testSeed(Math.floor(Math.random() * 2 ** 31));
const FILE = 'posts/fuzz.md';
/** Longer than any case takes: a case still running then is a hang. */
const CASE_TIMEOUT_MS = 5000;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'hf-fuzz-'));
  await mkdir(join(root, 'posts'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const options = () => resolveOptions({ include: ['posts/*.md'] }, { root });

/** The job of one document, or the error it was refused with. */
async function scanText(text: string): Promise<{ job?: HeaderJob; error?: unknown }> {
  await writeFile(join(root, FILE), text);
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`hang: no answer in ${CASE_TIMEOUT_MS} ms`)),
      CASE_TIMEOUT_MS,
    );
  });
  try {
    const job = await Promise.race([scanFile(join(root, FILE), options()), hang]);
    return job ? { job } : {};
  } catch (error) {
    if ((error as Error).message.startsWith('hang:')) throw error;
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

/** The error a refused document must end in: ours, naming the file and the field, no stack. */
function expectClearError(error: unknown, text: string): void {
  const shown = JSON.stringify(text.slice(0, 200));
  expect(isHeaderforgeError(error), `not a HeaderforgeError for ${shown}: ${String(error)}`).toBe(
    true,
  );
  const { code, message, hint } = error as { code: string; message: string; hint?: string };
  expect(code, shown).toBe('invalid_frontmatter');
  // Each problem on a line of its own, naming the file and line; several open with a summary.
  expect(message, shown).toContain('posts/fuzz.md:');
  for (const line of message.split('\n')) {
    if (!line.endsWith(':')) expect(line, shown).toMatch(/^posts\/fuzz\.md:\d+: /);
  }
  expect(message, shown).toMatch(/\bheader\b|frontmatter|YAML/);
  expect(message, shown).not.toMatch(/\n\s+at /);
  expect(hint, shown).toBeTruthy();
}

const scalar = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const stringy = fc.oneof(fc.string({ minLength: 1 }), fc.string({ unit: 'binary' }), scalar);
const headerObject = fc.record(
  {
    prompt: stringy,
    alt: stringy,
    model: fc.oneof(fc.constant('google/gemini-2.5-flash-image'), stringy),
    size: fc.oneof(fc.constantFrom('1K', '2K', '4K', '8K'), scalar),
    aspectRatio: fc.oneof(fc.constantFrom('16:9', '1:1', '7:3'), scalar),
    seed: fc.oneof(fc.nat(), scalar),
    focus: fc.oneof(fc.constantFrom('attention', 'top', 'middle'), scalar),
    references: fc.oneof(fc.constant(false), fc.array(fc.string(), { maxLength: 6 }), scalar),
    candidates: fc.oneof(fc.integer({ min: -2, max: 10 }), scalar),
    pick: fc.oneof(fc.integer({ min: -2, max: 10 }), scalar),
  },
  { requiredKeys: [] },
);
const headerValue = fc.oneof(
  stringy,
  fc.array(scalar, { maxLength: 4 }),
  headerObject,
  fc.dictionary(fc.string(), scalar, { maxKeys: 4 }),
);
/** YAML written from data: valid YAML, hostile values. */
const structured = fc
  .record({ title: fc.option(stringy), header: fc.option(headerValue) }, { requiredKeys: [] })
  .map((data) => `---\n${stringify(data)}---\nBody.\n`);
/** Anything between the fences: invalid YAML, tabs, stray colons, unbalanced quotes. */
const raw = fc
  .string({ unit: 'binary', maxLength: 300 })
  .map((text) => `---\nheader: ${text}\n---\n`);
const rawBlock = fc.string({ unit: 'binary', maxLength: 300 }).map((text) => `---\n${text}\n---\n`);
const document = fc
  .tuple(fc.oneof(structured, raw, rawBlock), fc.boolean(), fc.boolean())
  .map(
    ([text, bom, crlf]) => `${bom ? '\uFEFF' : ''}${crlf ? text.replaceAll('\n', '\r\n') : text}`,
  );

describe(`fuzzed frontmatter: ${CASES} documents (seed ${SEED})`, () => {
  const refused: string[] = [];

  it('each ends in a header or a clear error naming the file and the field', {
    timeout: 600_000,
  }, async () => {
    console.log(`[reliability] fuzz seed ${SEED}; HEADERFORGE_TEST_SEED=${SEED} replays it`);
    let headers = 0;
    await fc.assert(
      fc.asyncProperty(document, async (text) => {
        const { job, error } = await scanText(text);
        if (error === undefined) {
          if (job) {
            headers++;
            expect(job.prompt.trim().length).toBeGreaterThan(0);
            expect(job.file).toBe(FILE);
          }
          return;
        }
        expectClearError(error, text);
        if (refused.length < 40) refused.push(text);
      }),
      { numRuns: CASES, seed: SEED },
    );
    console.log(
      `[reliability] fuzz: ${CASES} documents · ${headers} headers · ${CASES - headers} without a header or refused with a clear error · crashes 0 · hangs 0`,
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
  const scan = (text: string) => scanText(text);

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

  it('duplicate keys are refused, naming the line', async () => {
    const text = '---\nheader: A lighthouse\nheader: A harbour\n---\n';
    const { error } = await scan(text);
    expectClearError(error, text);
    expect((error as Error).message).toMatch(/^posts\/fuzz\.md:3: invalid YAML .*unique/i);
  });
});
