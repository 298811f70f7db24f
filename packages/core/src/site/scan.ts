import { readFileSync } from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import type { WarmIndex } from '../cache/warm-index.js';
import { HeaderforgeError, isHeaderforgeError } from '../errors/headerforge-error.js';
import type { HeaderJob } from '../pipeline/header-job.js';
import { autoAlt, defaultAlt } from './alt-text.js';
import { listContent } from './content-listing.js';
import { contentPath } from './content-path.js';
import type { ParsedFrontmatter } from './frontmatter.js';
import { contentFactId, type KnownHeaderSource } from './known-headers.js';
import type { ResolvedHeaderforgeOptions } from './options.js';
import { applyStyle, autoPrompt } from './prompt.js';
import { attachReferences, type WantedReference } from './references.js';

// The callback API: `fs/promises.readFile` takes several thread-pool round trips per file,
// which made it a third slower over a thousand small posts.
/** Content files in flight at once. */
const READ_CONCURRENCY = 32;

export interface ScanResult {
  /** One job per post with a header (or an `auto` prompt), in file order. */
  jobs: HeaderJob[];
  /** How many content files were read. */
  files: number;
  /** Content files without a header, relative to the root, in order. */
  skipped: string[];
}

type Outcome =
  | { kind: 'job'; job: HeaderJob; references: WantedReference[] }
  | { kind: 'skipped'; file: string }
  | { kind: 'gone' }
  | { kind: 'failed'; error: HeaderforgeError };

/**
 * Reads every content file matched by `include` and turns its frontmatter into a job. Every
 * bad file is reported in one error, so one broken post does not hide the next.
 */
export async function scanContent(
  options: ResolvedHeaderforgeOptions,
  /** Remembers each file's header fields, so an unchanged file is not read again. */
  warmIndex?: WarmIndex,
  /** Posts whose whole header the warm index knows: their jobs as it keeps them. */
  known?: KnownHeaderSource,
): Promise<ScanResult> {
  const files = await listContent(options, warmIndex);
  const limit = pLimit(READ_CONCURRENCY);
  const outcomes = await Promise.all(
    files.map((found) => {
      const file = contentPath(options.root, found);
      // An unchanged file is known at once: no read, and no task in the read queue.
      const job = known?.recall(file);
      if (job) return { kind: 'job', job, references: [] } satisfies Outcome;
      return (
        recallPath(file, options, warmIndex) ?? limit(() => scanPath(file, options, warmIndex))
      );
    }),
  );

  const jobs: HeaderJob[] = [];
  const skipped: string[] = [];
  const failures: HeaderforgeError[] = [];
  let readCount = 0;
  const wanted: Array<{ job: HeaderJob; references: WantedReference[] }> = [];
  for (const outcome of outcomes) {
    if (outcome.kind !== 'gone') readCount++;
    if (outcome.kind === 'job') {
      jobs.push(outcome.job);
      wanted.push(outcome);
    } else if (outcome.kind === 'skipped') skipped.push(outcome.file);
    else if (outcome.kind === 'failed') failures.push(outcome.error);
  }
  if (failures.length > 0) throw combine(failures);
  await attachReferences(wanted, options.root, options.outsideRoot);
  return { jobs, files: readCount, skipped };
}

/**
 * Scans one content file, for dev-server updates. Undefined when the post has no header or
 * the file no longer exists; throws like `scanContent` when its frontmatter is invalid.
 * The caller decides whether the file matches `include`.
 */
export async function scanFile(
  absPath: string,
  options: ResolvedHeaderforgeOptions,
): Promise<HeaderJob | undefined> {
  const outcome = await scanPath(contentPath(options.root, absPath), options);
  if (outcome.kind === 'failed') throw outcome.error;
  if (outcome.kind !== 'job') return undefined;
  await attachReferences([outcome], options.root, options.outsideRoot);
  return outcome.job;
}

/** The outcome of a file the warm index knows unchanged; undefined when it must be read. */
function recallPath(
  file: string,
  options: ResolvedHeaderforgeOptions,
  warmIndex: WarmIndex | undefined,
): Outcome | undefined {
  if (!warmIndex) return undefined;
  const known = warmIndex.recall<ParsedFrontmatter>('content', contentFactId(options, file));
  return known && outcomeOf(file, known, options);
}

async function scanPath(
  file: string,
  options: ResolvedHeaderforgeOptions,
  warmIndex?: WarmIndex,
): Promise<Outcome> {
  const absolute = path.resolve(options.root, file);
  const id = contentFactId(options, file);
  const stamps = warmIndex?.stamp([absolute]);
  let source: string;
  try {
    // Synchronously: a content file is a few KB, and a thread-pool round trip per file cost
    // a cold scan (a dev server's start) more than the reads themselves (0.1 s per 300 posts).
    source = readFileSync(absolute, 'utf8');
  } catch (error) {
    // Deleted between the glob and the read (an editor's save, a dev-server race): not content.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone' };
    const reason = error instanceof Error ? error.message : String(error);
    return {
      kind: 'failed',
      error: new HeaderforgeError('io', `${file}: cannot read the content file: ${reason}`, {
        hint: 'Check that the file is readable, or leave it out with the `exclude` option.',
        cause: error,
      }),
    };
  }
  // The YAML parser and the frontmatter schemas load with the first file the warm index
  // does not know: a warm build parses none.
  const { parseFrontmatter } = await import('./frontmatter.js');
  let parsed: ParsedFrontmatter;
  try {
    parsed = parseFrontmatter(source, { file, field: options.field });
  } catch (error) {
    if (isHeaderforgeError(error)) return { kind: 'failed', error };
    throw error;
  }
  if (stamps) warmIndex?.remember('content', id, stamps, headerFields(parsed));
  return outcomeOf(file, parsed, options);
}

function outcomeOf(
  file: string,
  parsed: ParsedFrontmatter,
  options: ResolvedHeaderforgeOptions,
): Outcome {
  const job = buildJob(file, parsed, options);
  if (job === undefined) return { kind: 'skipped', file };
  const line = `${file}:${parsed.headerLine ?? 1}`;
  const field = options.field;
  const pick = job.pick ?? 1;
  const candidates = job.candidates ?? 1;
  if (pick > candidates) {
    return {
      kind: 'failed',
      error: new HeaderforgeError(
        'invalid_frontmatter',
        `${line}: "${field}.pick" is ${pick}, but the post has ${candidates} candidate${candidates === 1 ? '' : 's'}`,
        {
          hint: `Raise "${field}.candidates" (or the site's \`candidates\`) to at least ${pick}, or pick one from 1 to ${candidates}.`,
        },
      ),
    };
  }
  return { kind: 'job', job, references: wantedReferences(parsed, options, line) };
}

/** The site's references, then the post's own; none when the post says `references: false`. */
function wantedReferences(
  parsed: ParsedFrontmatter,
  options: ResolvedHeaderforgeOptions,
  line: string,
): WantedReference[] {
  const own = parsed.header?.references;
  if (own === false) return [];
  return [
    ...options.references.map((reference, index) => ({
      path: reference,
      where: `site option "references"[${index}]`,
      code: 'invalid_option' as const,
    })),
    ...(own ?? []).map((reference, index) => ({
      path: reference,
      where: `${line}: ${options.field}.references[${index}]`,
      code: 'invalid_frontmatter' as const,
    })),
  ];
}

/** Only what `buildJob` reads: the rest of the frontmatter need not be remembered. */
function headerFields({ data, ...header }: ParsedFrontmatter): ParsedFrontmatter {
  const kept: Record<string, unknown> = {};
  for (const name of ['title', 'description']) {
    if (typeof data[name] === 'string') kept[name] = data[name];
  }
  return { data: kept, ...header };
}

function buildJob(
  file: string,
  { data, header, headerLine, headerDisabled }: ParsedFrontmatter,
  options: ResolvedHeaderforgeOptions,
): HeaderJob | undefined {
  const title = typeof data.title === 'string' ? data.title.trim() || undefined : undefined;
  const post = { file, ...(title === undefined ? {} : { title }) };
  if (header !== undefined) {
    // One text, one key: "é" typed as one code point or as e and an accent asks for one image.
    const userPrompt = header.prompt.normalize('NFC');
    return {
      ...post,
      ...(headerLine === undefined ? {} : { line: headerLine }),
      prompt: applyStyle(options.style, userPrompt).normalize('NFC'),
      userPrompt,
      alt: header.alt ?? defaultAlt(header.prompt),
      model: header.model ?? options.model,
      aspectRatio: header.aspectRatio ?? options.aspectRatio,
      imageSize: header.size ?? options.imageSize,
      ...(header.seed === undefined ? {} : { seed: header.seed }),
      focus: header.focus ?? options.focus,
      ...(header.og === undefined ? {} : { og: header.og }),
      auto: false,
      ...countOf(header.candidates ?? options.candidates, header.pick ?? 1),
    };
  }
  if (options.auto === false || headerDisabled || title === undefined) return undefined;
  const description = typeof data.description === 'string' ? data.description : undefined;
  const userPrompt = autoPrompt(options.auto.template, { title, description })?.normalize('NFC');
  if (userPrompt === undefined) return undefined;
  return {
    ...post,
    prompt: applyStyle(options.style, userPrompt).normalize('NFC'),
    userPrompt,
    alt: autoAlt(title),
    model: options.model,
    aspectRatio: options.aspectRatio,
    imageSize: options.imageSize,
    focus: options.focus,
    auto: true,
    ...countOf(options.candidates, 1),
  };
}

/** The candidate fields of a job, left out at their defaults (one image, the first). */
function countOf(candidates: number, pick: number): Pick<HeaderJob, 'candidates' | 'pick'> {
  return { ...(candidates === 1 ? {} : { candidates }), ...(pick === 1 ? {} : { pick }) };
}

/** One error for the whole scan; files arrive sorted, so the lines are sorted too. */
function combine(failures: readonly HeaderforgeError[]): HeaderforgeError {
  // An unreadable file is a different problem (and code) from a mistyped header.
  const io = failures.filter((failure) => failure.code === 'io');
  const chosen = io.length > 0 ? io : failures;
  const first = chosen[0] as HeaderforgeError;
  if (chosen.length === 1) return first;
  const lines = chosen.map((failure) => failure.message).join('\n');
  const hints = [...new Set(chosen.map((failure) => failure.hint).filter(Boolean))].join(' ');
  const summary =
    io.length > 0
      ? `${chosen.length} content files cannot be read:`
      : `${chosen.length} content files have invalid frontmatter:`;
  return new HeaderforgeError(first.code, `${summary}\n${lines}`, {
    hint: hints,
  });
}
