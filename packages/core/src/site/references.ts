import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../cache/keys.js';
import { HeaderforgeError, type HeaderforgeErrorCode } from '../errors/headerforge-error.js';
import { decodePixels, readImageSize } from '../image/inspect.js';
import { sniffImageType } from '../image/media-types.js';
import type { HeaderJob, ReferenceImage } from '../pipeline/header-job.js';
import { outsideRoot } from './inside-root.js';
import { MAX_REFERENCE_BYTES } from './options.js';

/** A reference a post asks for, and where it was asked (for the message if it is bad). */
export interface WantedReference {
  /** As written: relative to the project root. */
  path: string;
  /** `site option "references"[0]` or `posts/a.md:3: header.references[1]`. */
  where: string;
  code: Extract<HeaderforgeErrorCode, 'invalid_option' | 'invalid_frontmatter'>;
}

/**
 * Reads every reference the jobs ask for, each file once however many posts use it, and
 * gives each job its list. A reference that is missing, not an image, or too large fails
 * here, before anything is paid for, naming the file and the option or frontmatter line.
 */
export async function attachReferences(
  wanted: ReadonlyArray<{ job: HeaderJob; references: readonly WantedReference[] }>,
  root: string,
  /** Folders outside the root that references may be in (the `outsideRoot` option). */
  allowed: readonly string[] = [],
): Promise<void> {
  const loaded = new Map<string, Promise<ReferenceImage>>();
  const fail = (reference: WantedReference, problem: unknown) =>
    new HeaderforgeError(
      reference.code,
      `${reference.where}: reference image ${JSON.stringify(reference.path)} ${(problem as Error).message}`,
      {
        hint: `Give a PNG, JPEG, WebP, GIF or AVIF file of at most ${MAX_REFERENCE_BYTES / 2 ** 20} MiB, with a path relative to the project root (${root}).`,
      },
    );
  // As the job carries it: the file's bytes and its one decode (see `readReference`), whose
  // failure names this job's option or line.
  const asked = (reference: WantedReference, image: ReferenceImage): ReferenceImage => ({
    ...image,
    decodes: () =>
      (image.decodes?.() ?? Promise.resolve()).catch((problem: unknown) => {
        throw fail(reference, problem);
      }),
  });
  const load = (reference: WantedReference) => {
    const absolute = path.resolve(root, reference.path);
    let pending = loaded.get(absolute);
    if (!pending) {
      const outside = outsideRoot(root, absolute, allowed);
      pending = outside
        ? Promise.reject(
            new Error(
              `is outside the project root${outside.through === 'symlink' ? `, through a symlink to ${printable(outside.real)}` : ` (${printable(absolute)})`}; list its folder in the \`outsideRoot\` option to allow it`,
            ),
          )
        : readReference(absolute, reference.path);
      loaded.set(absolute, pending);
    }
    return pending.then(
      (image) => asked(reference, image),
      (problem: unknown) => {
        throw fail(reference, problem);
      },
    );
  };
  const failures: HeaderforgeError[] = [];
  // Most posts have none: they cost no promise.
  const withReferences = wanted.filter(({ references }) => references.length > 0);
  await Promise.all(
    withReferences.map(async ({ job, references }) => {
      const settled = await Promise.allSettled(references.map(load));
      const problems = settled.filter((result) => result.status === 'rejected');
      if (problems.length > 0) {
        for (const problem of problems) failures.push(problem.reason as HeaderforgeError);
        return;
      }
      job.references = settled.map(
        (result) => (result as PromiseFulfilledResult<ReferenceImage>).value,
      );
    }),
  );
  if (failures.length === 0) return;
  // One line per bad reference, however many posts share it.
  const lines = [...new Set(failures.map((failure) => failure.message))].sort();
  const first = failures[0] as HeaderforgeError;
  throw new HeaderforgeError(
    first.code,
    lines.length === 1
      ? (lines[0] as string)
      : `${lines.length} reference images cannot be used:\n${lines.join('\n')}`,
    first.hint === undefined ? {} : { hint: first.hint },
  );
}

async function readReference(absolute: string, shown: string): Promise<ReferenceImage> {
  const info = await stat(absolute).catch((error: NodeJS.ErrnoException) => {
    throw new Error(
      error.code === 'ENOENT'
        ? `does not exist (${printable(absolute)})`
        : `cannot be read: ${printable(error.message)}`,
    );
  });
  if (!info.isFile()) throw new Error('is not a file');
  if (info.size > MAX_REFERENCE_BYTES) {
    throw new Error(
      `is ${(info.size / 2 ** 20).toFixed(1)} MiB, more than the ${MAX_REFERENCE_BYTES / 2 ** 20} MiB a reference may be (every request carries it)`,
    );
  }
  const bytes = new Uint8Array(await readFile(absolute));
  const mediaType = sniffImageType(bytes);
  if (!mediaType) throw new Error('is not a PNG, JPEG, WebP, GIF or AVIF image');
  const { width, height } = await readImageSize(bytes);
  if (!width || !height) throw new Error(`cannot be decoded as ${mediaType}`);
  // Decoded whole on first ask only (before the first paid request), once per file.
  let decoded: Promise<void> | undefined;
  const decodes = () => {
    decoded ??= decodePixels(bytes).catch((error: Error) => {
      throw new Error(`cannot be decoded as ${mediaType}: ${printable(error.message)}`);
    });
    return decoded;
  };
  return { path: shown, bytes, mediaType, sha256: sha256Hex(bytes), decodes };
}

/** A path as a message shows it: a newline or other control character in it escaped, so
 * that each problem stays on one line. */
const printable = (text: string) => JSON.stringify(text).slice(1, -1);
