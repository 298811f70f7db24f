import { lstatSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { SHARE_ENV, Worker } from 'node:worker_threads';
import { writeFileAtomic } from '../files/atomic-write.js';
import { type DerivedCacheLayout, derivedCacheLayout } from './layout.js';

/**
 * What a warm build already knows, kept in one file of the regenerable cache:
 *
 * - `content`: a content file's header fields, as its frontmatter last parsed;
 * - `originals`: a committed image and its sidecar, as last verified (hash included);
 * - `placeholders`: the same for offline art (same keys, so a section of its own);
 * - `derived`: a derived set, as last found complete.
 *
 * Each fact is recorded with the size and mtime of the files it was read from, and is
 * only recalled while all of them still match, so a warm build stats a few files per post
 * instead of reading, parsing and hashing them. It is the same trust as the verification
 * notes (a file changed in place with the same size and the same mtime goes unnoticed;
 * `headerforge doctor` checks every byte), and the same cost when lost: a slower build.
 */
export interface WarmIndex {
  /** The value remembered under `id`, if every file it came from is unchanged. */
  recall<T>(section: WarmSection, id: string): T | undefined;
  /**
   * The state of `paths` now, to pass to `remember` once they have been read: taken
   * *before* reading, so a file that changes while it is read is never trusted. Undefined
   * when one is missing or a symlink (facts about those are not remembered).
   */
  stamp(paths: readonly string[]): Stamps | undefined;
  /**
   * The stamps of the fact under `id`, if every file it came from is unchanged: a fact made
   * from it is valid for as long as they are.
   */
  stampsOf(section: WarmSection, id: string): Stamps | undefined;
  /** Remembers `value` as read from the files `stamps` describes. */
  remember(section: WarmSection, id: string, stamps: Stamps, value: unknown): void;
  /**
   * Reads the file of `section` and checks the stamps of all its facts on a thread of their
   * own, while the main thread goes on with other work: recalling one of them then costs no
   * stat. For a caller with other work to do meanwhile (an Astro build's content sync comes
   * about a second after its config hook); where nothing else waits, it is slower than
   * checking on recall (a thread takes tens of ms to start). Resolves true when the thread
   * checked them; false when its file is small (checked on recall: starting a thread would
   * cost the main thread more), was already read, is being checked, or the thread failed
   * (checked on recall, as without it). With `idPrefix`, only the facts whose id starts with
   * it are checked there (the others on recall): a build's whole headers are those of its
   * settings, and a site whose settings changed keeps the old ones' lines for a while.
   */
  checkAhead(section: WarmSection, idPrefix?: string): Promise<boolean>;
  /** Writes the index if anything changed (atomically; a lost race only costs speed). */
  save(): Promise<void>;
}

/**
 * `headers`: a post's whole header, as made from the facts of the other four (see
 * `site/known-headers.ts`); `listings`: the content files the include globs matched (see
 * `site/content-listing.ts`).
 */
export type WarmSection =
  | 'content'
  | 'originals'
  | 'placeholders'
  | 'derived'
  | 'headers'
  | 'listings';

/**
 * Bump when the shape of a remembered value or of the file changes: each format has its own
 * file, and the older ones are deleted when the new one is first written.
 * 2: derived sets are remembered as their manifests (file names, not absolute paths).
 * 3: one line per fact, parsed only when recalled (see `load`).
 * 4: no fact names a file by its absolute path (content facts' ids, candidates' images).
 */
const FORMAT = 4;
/**
 * The same for the file of the `headers` section.
 * 2: no absolute path in an id or a header (the original's file is relative to the root).
 */
const HEADERS_FORMAT = 2;
const EMPTY = Buffer.alloc(0);
const NEWLINE = 0x0a;
/**
 * `checkAhead` uses a thread for files at least this large (some 140 whole headers): below
 * it, their stamps cost the main thread less than starting a thread (~3 ms).
 */
const CHECK_AHEAD_BYTES = 256 * 1024;
/** Facts unused this long are dropped when the index is next written. */
const FORGET_AFTER_MS = 30 * 24 * 60 * 60 * 1000;
/** `used` is refreshed at most this often, so a warm build does not rewrite the index. */
const TOUCH_EVERY_MS = 24 * 60 * 60 * 1000;

/** [path (relative to the index's folder; absolute in older lines), size, mtimeMs, is a directory]. */
type Stamp = [string, number, number, boolean];
/** What `WarmIndex.stamp` returns; two of them can be concatenated. */
export type Stamps = readonly Stamp[];

interface Fact {
  stamps: readonly Stamp[];
  value: unknown;
  used: number;
}

/**
 * Per section, by the fact's id as JSON: where the fact's line starts in its file as read
 * (parsed when recalled), or a fact remembered or touched in this run.
 */
type Section = Map<string, number | Fact>;

/**
 * The index's two files. Whole headers have a file of their own, with the content listing:
 * a build that knows every post's header whole reads only that one, and never loads the
 * facts they were made from.
 */
const PARTS = [
  {
    sections: ['content', 'originals', 'placeholders', 'derived'],
    header: JSON.stringify({ format: FORMAT }),
    file: (layout: DerivedCacheLayout) => layout.warmIndex(FORMAT),
    older: (layout: DerivedCacheLayout) =>
      Array.from({ length: FORMAT - 1 }, (_, i) => layout.warmIndex(i + 1)),
  },
  {
    sections: ['headers', 'listings'],
    header: JSON.stringify({ headers: HEADERS_FORMAT }),
    file: (layout: DerivedCacheLayout) => layout.warmHeaders(HEADERS_FORMAT),
    older: (layout: DerivedCacheLayout) =>
      Array.from({ length: HEADERS_FORMAT - 1 }, (_, i) => layout.warmHeaders(i + 1)),
  },
] as const satisfies ReadonlyArray<{
  sections: readonly WarmSection[];
  header: string;
  file: (layout: DerivedCacheLayout) => string;
  older: (layout: DerivedCacheLayout) => string[];
}>;

/** One file of the index, read on first use. */
interface Part {
  readonly file: string;
  readonly header: string;
  readonly older: readonly string[];
  readonly sections: ReadonlyMap<WarmSection, Section>;
  /**
   * The file's bytes as read (empty before it is read, or when it is missing): kept out of
   * V8's heap, each line decoded only when its fact is recalled or written back.
   */
  bytes: Buffer;
  loaded: boolean;
  /** A thread is reading and checking it (see `checkAhead`). */
  checking: boolean;
  changed: boolean;
}

/** Opens the index under `derivedCacheDir` (an empty one if it is missing or unreadable). */
export function openWarmIndex(derivedCacheDir: string): WarmIndex {
  const layout = derivedCacheLayout(derivedCacheDir);
  const parts: Part[] = PARTS.map((part) => ({
    file: part.file(layout),
    header: part.header,
    older: part.older(layout),
    sections: new Map(part.sections.map((section) => [section, new Map()])),
    bytes: EMPTY,
    loaded: false,
    checking: false,
    changed: false,
  }));
  const partOf = new Map(
    parts.flatMap((part) => [...part.sections.keys()].map((section) => [section, part] as const)),
  );
  /** The section's facts, its file read first if this is the first use of it. */
  const open = (name: WarmSection): { part: Part; section: Section } => {
    const part = partOf.get(name) as Part;
    if (!part.loaded) {
      part.loaded = true;
      part.bytes = load(part.file, part.header, part.sections);
    }
    return { part, section: part.sections.get(name) as Section };
  };
  const lineAt = (part: Part, start: number) =>
    part.bytes.toString('utf8', start, part.bytes.indexOf(NEWLINE, start));
  const now = Date.now();
  const unchanged = isUnchanged(derivedCacheDir, FILES);
  /**
   * Per section checked by a thread, by where each line it checked starts, whether its
   * stamps held. A line it did not check (another id prefix) is checked on recall.
   */
  const checkedAhead = new Map<WarmSection, Map<number, boolean>>();

  /** The fact under `id` if every file it came from is unchanged. */
  const valid = (name: WarmSection, id: string): Fact | undefined => {
    const { part, section } = open(name);
    const key = JSON.stringify(id);
    const held = section.get(key);
    let fact: Fact | undefined;
    if (typeof held === 'number') {
      const checked = checkedAhead.get(name)?.get(held);
      if (checked === false) return undefined;
      // A line the thread checked was read whole there: its shape needs no second look.
      fact = parseLine(lineAt(part, held), checked);
      if (!(fact && (checked || fact.stamps.every(unchanged)))) return undefined;
    } else {
      fact = held;
      if (!fact?.stamps.every(unchanged)) return undefined;
    }
    if (now - fact.used > TOUCH_EVERY_MS) {
      fact.used = now;
      section.set(key, fact);
      part.changed = true;
    }
    return fact;
  };

  return {
    recall<T>(section: WarmSection, id: string): T | undefined {
      return valid(section, id)?.value as T | undefined;
    },
    stampsOf(section, id) {
      return valid(section, id)?.stamps;
    },
    stamp(paths) {
      const stamps: Stamp[] = [];
      for (const path of paths) {
        const stamp = stampOf(path, FILES);
        if (!stamp) return undefined;
        stamp[0] = relative(derivedCacheDir, path);
        stamps.push(stamp);
      }
      return stamps;
    },
    remember(name, id, stamps, value) {
      const { part, section } = open(name);
      section.set(JSON.stringify(id), { stamps, value, used: now });
      part.changed = true;
    },
    async checkAhead(name, idPrefix = '') {
      const part = partOf.get(name) as Part;
      if (part.loaded || part.checking) return false;
      const size = FILES.lstatSync(part.file, { throwIfNoEntry: false })?.size ?? 0;
      if (size < CHECK_AHEAD_BYTES) return false;
      part.checking = true;
      let reply: CheckReply;
      try {
        reply = await checkOnThread({
          file: part.file,
          header: part.header,
          section: name,
          // The id as JSON, as each line holds it, without its closing quote.
          keyPrefix: JSON.stringify(idPrefix).slice(0, -1),
          derivedCacheDir,
        });
      } catch {
        return false;
      } finally {
        part.checking = false;
      }
      // Read on the main thread meanwhile (a recall did not wait): that reading stands.
      if (part.loaded) return false;
      part.loaded = true;
      part.bytes = reply.buffer ? Buffer.from(reply.buffer) : EMPTY;
      const checked = new Map<number, boolean>();
      for (const [section, key, start, held] of reply.lines) {
        part.sections.get(section as WarmSection)?.set(key, start);
        if (held !== undefined) checked.set(start, held);
      }
      checkedAhead.set(name, checked);
      return true;
    },
    async save() {
      for (const part of parts) {
        if (!part.changed) continue;
        part.changed = false;
        const lines = [part.header];
        for (const [name, section] of part.sections) {
          for (const [key, held] of section) {
            // A line not recalled in this run is written back as it was read, unparsed.
            const line = typeof held === 'number' ? lineAt(part, held) : undefined;
            const fact = held as Fact;
            const used = line === undefined ? fact.used : usedOf(line);
            if (!(now - used <= FORGET_AFTER_MS)) {
              section.delete(key);
              continue;
            }
            lines.push(
              line ?? `${name}\t${fact.used}\t${key}\t${JSON.stringify([fact.stamps, fact.value])}`,
            );
          }
        }
        mkdirSync(dirname(part.file), { recursive: true });
        await writeFileAtomic(part.file, `${lines.join('\n')}\n`);
        for (const older of part.older) rmSync(older, { force: true });
      }
    },
  };
}

/**
 * The file: a header line, then one line per fact, `<section>\t<used>\t<id as JSON>\t<[stamps,
 * value] as JSON>` (JSON never holds a raw tab or newline). Loading only finds where each
 * line starts: a 10,000-post site's index is tens of MB, and parsing all of it up front,
 * most of which a build then reads once, made its load the slowest step and a third of its
 * memory. Its lines are not even split apart: tens of thousands of strings kept until the
 * end of the build made the heap's young generation grow to its largest size. Nor is it
 * decoded: as a string, the whole file sat in V8's heap and brought on a full collection
 * (10–15 ms) in a 1,000-post build; as bytes it is outside, and a line is decoded when used.
 */
function load(file: string, header: string, sections: ReadonlyMap<WarmSection, Section>): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return EMPTY;
  }
  const read = indexLines(bytes, header, (section, key, start) => {
    sections.get(section as WarmSection)?.set(key, start);
  });
  return read ? bytes : EMPTY;
}

/** What `checkAhead`'s thread is asked to do. */
interface CheckRequest {
  file: string;
  header: string;
  section: WarmSection;
  /** Only the facts whose id, as JSON, starts with this are checked. */
  keyPrefix: string;
  derivedCacheDir: string;
}

/**
 * Its answer: the file's bytes (none when it is missing, torn at its head or of another
 * format) and each fact's [section, id as JSON, where its line starts, whether its stamps
 * held] (undefined for a fact not asked for: another section or id prefix).
 */
interface CheckReply {
  buffer?: ArrayBuffer;
  lines: Array<[string, string, number, boolean | undefined]>;
}

/** The file calls the functions below make: passed in, so that a thread can run them too. */
interface StampFiles {
  lstatSync: typeof lstatSync;
  readFileSync: typeof readFileSync;
  isAbsolute: typeof isAbsolute;
  resolve: typeof resolve;
  sep: string;
}

const FILES: StampFiles = { lstatSync, readFileSync, isAbsolute, resolve, sep };

/*
 * From here to `checkFile`, each function runs on the main thread and, as its source text,
 * on `checkAhead`'s thread too (see `checkThreadSource`): one copy of how a line is read and
 * a stamp is checked. So each refers to nothing but its arguments, the others and
 * JavaScript's globals; no import (a module the thread does not have, and under test a
 * transformed name).
 */

/**
 * Calls `onLine` for each whole fact line of `bytes` with its section, its id as JSON and
 * where it starts; false (and no call) when the file does not begin with `header`.
 */
function indexLines(
  bytes: Buffer,
  header: string,
  onLine: (section: string, key: string, start: number, end: number) => void,
): boolean {
  const head = Buffer.from(`${header}\n`);
  if (!bytes.subarray(0, head.length).equals(head)) return false;
  const newline = 0x0a;
  const tab = 0x09;
  for (let start = head.length; start < bytes.length; ) {
    let end = bytes.indexOf(newline, start);
    if (end < 0) end = bytes.length;
    const first = bytes.indexOf(tab, start);
    const second = first < 0 ? -1 : bytes.indexOf(tab, first + 1);
    const third = second < 0 ? -1 : bytes.indexOf(tab, second + 1);
    // A torn last line (no newline) is not a fact.
    if (third >= 0 && third < end && end < bytes.length) {
      onLine(
        bytes.toString('latin1', start, first),
        bytes.toString('utf8', second + 1, third),
        start,
        end,
      );
    }
    start = end + 1;
  }
  return true;
}

function usedOf(line: string): number {
  const first = line.indexOf('\t');
  return Number(line.slice(first + 1, line.indexOf('\t', first + 1)));
}

/**
 * A fact's line, or undefined when it is torn or not a fact; with `known`, a line already
 * found to be one (its shape is not checked again).
 */
function parseLine(line: string, known = false): Fact | undefined {
  const third = line.indexOf('\t', line.indexOf('\t', line.indexOf('\t') + 1) + 1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.slice(third + 1));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
  const fact = { stamps: parsed[0], value: parsed[1], used: usedOf(line) };
  return known || isFact(fact) ? fact : undefined;
}

function isFact(value: unknown): value is Fact {
  if (typeof value !== 'object' || value === null) return false;
  const fact = value as Partial<Fact>;
  return (
    typeof fact.used === 'number' &&
    'value' in fact &&
    Array.isArray(fact.stamps) &&
    fact.stamps.every(
      (stamp) =>
        Array.isArray(stamp) &&
        stamp.length === 4 &&
        typeof stamp[0] === 'string' &&
        typeof stamp[1] === 'number' &&
        typeof stamp[2] === 'number' &&
        typeof stamp[3] === 'boolean',
    )
  );
}

function stampOf(path: string, files: StampFiles): Stamp | undefined {
  let info: ReturnType<typeof lstatSync>;
  try {
    info = files.lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
  if (!info || !(info.isFile() || info.isDirectory())) return undefined;
  return [path, info.isDirectory() ? 0 : info.size, info.mtimeMs, info.isDirectory()];
}

/**
 * Whether the file a stamp describes is as it was. Stamps name files relative to the index's
 * folder (absolute in older lines): a copy of a whole project (the regenerable cache with it)
 * checks its own files, never the ones it was copied from.
 */
function isUnchanged(derivedCacheDir: string, files: StampFiles): (stamp: Stamp) => boolean {
  // Resolved once per folder: a post's stamps are in a few folders shared by many posts.
  const folders = new Map<string, string>();
  const { sep } = files;
  const absolute = (stored: string) => {
    if (files.isAbsolute(stored)) return stored;
    const cut = stored.lastIndexOf(sep);
    const folder = cut < 0 ? '' : stored.slice(0, cut);
    let resolved = folders.get(folder);
    if (resolved === undefined) {
      resolved = files.resolve(derivedCacheDir, folder);
      folders.set(folder, resolved);
    }
    return resolved.endsWith(sep)
      ? `${resolved}${stored.slice(cut + 1)}`
      : `${resolved}${sep}${stored.slice(cut + 1)}`;
  };
  return ([path, size, mtimeMs, isDirectory]) => {
    const now = stampOf(absolute(path), files);
    return now !== undefined && now[1] === size && now[2] === mtimeMs && now[3] === isDirectory;
  };
}

/** `checkAhead`'s work, as its thread does it. */
function checkFile(request: CheckRequest, files: StampFiles): CheckReply {
  let bytes: Buffer;
  try {
    bytes = files.readFileSync(request.file);
  } catch {
    return { lines: [] };
  }
  const unchanged = isUnchanged(request.derivedCacheDir, files);
  const lines: CheckReply['lines'] = [];
  const read = indexLines(bytes, request.header, (section, key, start, end) => {
    if (section !== request.section || !key.startsWith(request.keyPrefix)) {
      lines.push([section, key, start, undefined]);
      return;
    }
    const fact = parseLine(bytes.toString('utf8', start, end));
    lines.push([section, key, start, fact ? fact.stamps.every(unchanged) : false]);
  });
  if (!read) return { lines: [] };
  // The whole ArrayBuffer goes to the main thread (moved, not copied) when it is the file's own.
  const buffer =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? (bytes.buffer as ArrayBuffer)
      : new Uint8Array(bytes).buffer;
  return { buffer, lines };
}

let threadSource: string | undefined;

/** The thread's code: the functions above as their source, then the call. */
function checkThreadSource(): string {
  threadSource ??= `
const { parentPort, workerData } = require('node:worker_threads');
const { lstatSync, readFileSync } = require('node:fs');
const { isAbsolute, resolve, sep } = require('node:path');
${[indexLines, usedOf, parseLine, isFact, stampOf, isUnchanged, checkFile].join('\n')}
const reply = ${checkFile.name}(workerData, { lstatSync, readFileSync, isAbsolute, resolve, sep });
parentPort.postMessage(reply, reply.buffer ? [reply.buffer] : []);
`;
  return threadSource;
}

function checkOnThread(request: CheckRequest): Promise<CheckReply> {
  return new Promise((resolve, reject) => {
    const thread = new Worker(checkThreadSource(), {
      eval: true,
      workerData: request,
      // It reads no variable and needs none of the process's flags (a loader given with
      // `--import`, say): nothing copied, nothing loaded but its own code.
      env: SHARE_ENV,
      execArgv: [],
    });
    thread.once('message', (reply: CheckReply) => {
      resolve(reply);
      void thread.terminate();
    });
    thread.once('error', reject);
    thread.once('exit', () => reject(new Error('The warm index thread ended without an answer')));
  });
}
