import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type HeaderJob, isHeaderforgeError, resolveOptions } from '@headerforge/core';
import { scanFile } from '@headerforge/core/internal';
import fc from 'fast-check';
import { expect } from 'vitest';
import { stringify } from 'yaml';

// Hostile frontmatter for the fuzz tests (test/reliability-fuzz.test.ts and its full-size
// run in test/stress/): documents, how one is scanned, and what a refusal must look like.

/** The post every document is written to, relative to the fuzzing root. */
export const FILE = 'posts/fuzz.md';
/** Longer than any case takes: a case still running then is a hang. */
export const CASE_TIMEOUT_MS = 5000;

/** The job of one document, or the error it was refused with. */
export async function scanText(
  root: string,
  text: string,
): Promise<{ job?: HeaderJob; error?: unknown }> {
  await writeFile(join(root, FILE), text);
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`hang: no answer in ${CASE_TIMEOUT_MS} ms`)),
      CASE_TIMEOUT_MS,
    );
  });
  try {
    const job = await Promise.race([
      scanFile(join(root, FILE), resolveOptions({ include: ['posts/*.md'] }, { root })),
      hang,
    ]);
    return job ? { job } : {};
  } catch (error) {
    if ((error as Error).message.startsWith('hang:')) throw error;
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

/** The error a refused document must end in: ours, naming the file and the field, no stack. */
export function expectClearError(error: unknown, text: string): void {
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
/** A hostile frontmatter document: valid YAML of hostile data, or anything between the fences. */
export const hostileDocument = fc
  .tuple(fc.oneof(structured, raw, rawBlock), fc.boolean(), fc.boolean())
  .map(
    ([text, bom, crlf]) => `${bom ? '\uFEFF' : ''}${crlf ? text.replaceAll('\n', '\r\n') : text}`,
  );

/**
 * `cases` hostile documents (seeded: `seed` replays them), each scanned as the post of a site
 * at `root`: each must end in a header or in a clear error. Returns how many were headers,
 * and up to 40 of the refused documents.
 */
export async function fuzzFrontmatter(
  root: string,
  cases: number,
  seed: number,
): Promise<{ headers: number; refused: string[] }> {
  await mkdir(join(root, 'posts'), { recursive: true });
  let headers = 0;
  const refused: string[] = [];
  await fc.assert(
    fc.asyncProperty(hostileDocument, async (text) => {
      const { job, error } = await scanText(root, text);
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
    { numRuns: cases, seed },
  );
  return { headers, refused };
}
