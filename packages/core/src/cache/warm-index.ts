import { lstatSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../files/atomic-write.js';
import { derivedCacheLayout } from './layout.js';

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
  /** Remembers `value` as read from the files `stamps` describes. */
  remember(section: WarmSection, id: string, stamps: Stamps, value: unknown): void;
  /** Writes the index if anything changed (atomically; a lost race only costs speed). */
  save(): Promise<void>;
}

export type WarmSection = 'content' | 'originals' | 'placeholders' | 'derived';

/**
 * Bump when the shape of a remembered value or of the file changes: each format has its own
 * file, and the older ones are deleted when the new one is first written.
 * 2: derived sets are remembered as their manifests (file names, not absolute paths).
 * 3: one line per fact, parsed only when recalled (see `load`).
 */
const FORMAT = 3;
/** Facts unused this long are dropped when the index is next written. */
const FORGET_AFTER_MS = 30 * 24 * 60 * 60 * 1000;
/** `used` is refreshed at most this often, so a warm build does not rewrite the index. */
const TOUCH_EVERY_MS = 24 * 60 * 60 * 1000;

/** [path, size, mtimeMs, is a directory]. */
type Stamp = [string, number, number, boolean];
/** What `WarmIndex.stamp` returns; two of them can be concatenated. */
export type Stamps = readonly Stamp[];

interface Fact {
  stamps: readonly Stamp[];
  value: unknown;
  used: number;
}

/**
 * Per section, by the fact's id as JSON: the fact's line as read from the file (parsed
 * when recalled), or a fact remembered or touched in this run.
 */
type Sections = Record<WarmSection, Map<string, string | Fact>>;

const SECTIONS: readonly WarmSection[] = ['content', 'originals', 'placeholders', 'derived'];
const HEADER = JSON.stringify({ format: FORMAT });

/** Opens the index under `derivedCacheDir` (an empty one if it is missing or unreadable). */
export function openWarmIndex(derivedCacheDir: string): WarmIndex {
  const layout = derivedCacheLayout(derivedCacheDir);
  const file = layout.warmIndex(FORMAT);
  const sections = load(file);
  let changed = false;
  const now = Date.now();

  return {
    recall<T>(section: WarmSection, id: string): T | undefined {
      const key = JSON.stringify(id);
      const held = sections[section].get(key);
      const fact = typeof held === 'string' ? parseLine(held) : held;
      if (!fact?.stamps.every(unchanged)) return undefined;
      if (now - fact.used > TOUCH_EVERY_MS) {
        fact.used = now;
        sections[section].set(key, fact);
        changed = true;
      }
      return fact.value as T;
    },
    stamp(paths) {
      const stamps: Stamp[] = [];
      for (const path of paths) {
        const stamp = stampOf(path);
        if (!stamp) return undefined;
        stamps.push(stamp);
      }
      return stamps;
    },
    remember(section, id, stamps, value) {
      sections[section].set(JSON.stringify(id), { stamps, value, used: now });
      changed = true;
    },
    async save() {
      if (!changed) return;
      changed = false;
      const lines = [HEADER];
      for (const section of SECTIONS) {
        for (const [key, held] of sections[section]) {
          // A line not recalled in this run is written back as it was read, unparsed.
          const used = typeof held === 'string' ? usedOf(held) : held.used;
          if (!(now - used <= FORGET_AFTER_MS)) {
            sections[section].delete(key);
            continue;
          }
          lines.push(
            typeof held === 'string'
              ? held
              : `${section}\t${held.used}\t${key}\t${JSON.stringify([held.stamps, held.value])}`,
          );
        }
      }
      mkdirSync(dirname(file), { recursive: true });
      await writeFileAtomic(file, `${lines.join('\n')}\n`);
      for (let older = 1; older < FORMAT; older++) rmSync(layout.warmIndex(older), { force: true });
    },
  };
}

/**
 * The file: a header line, then one line per fact, `<section>\t<used>\t<id as JSON>\t<[stamps,
 * value] as JSON>` (JSON never holds a raw tab or newline). Loading only splits the lines: a
 * 10,000-post site's index is tens of MB, and parsing all of it up front, most of which a
 * build then reads once, made its load the slowest step and a third of its memory.
 */
function load(file: string): Sections {
  const sections: Sections = {
    content: new Map(),
    originals: new Map(),
    placeholders: new Map(),
    derived: new Map(),
  };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return sections;
  }
  const lines = text.split('\n');
  if (lines[0] !== HEADER) return sections;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const first = line.indexOf('\t');
    const second = line.indexOf('\t', first + 1);
    const third = line.indexOf('\t', second + 1);
    if (third < 0) continue;
    const section = sections[line.slice(0, first) as WarmSection];
    if (section) section.set(line.slice(second + 1, third), line);
  }
  return sections;
}

function usedOf(line: string): number {
  const first = line.indexOf('\t');
  return Number(line.slice(first + 1, line.indexOf('\t', first + 1)));
}

/** A fact's line, or undefined when it is torn or not a fact. */
function parseLine(line: string): Fact | undefined {
  const third = line.indexOf('\t', line.indexOf('\t', line.indexOf('\t') + 1) + 1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.slice(third + 1));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
  const fact = { stamps: parsed[0], value: parsed[1], used: usedOf(line) };
  return isFact(fact) ? fact : undefined;
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

function stampOf(path: string): Stamp | undefined {
  let info: ReturnType<typeof lstatSync>;
  try {
    info = lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
  if (!info || !(info.isFile() || info.isDirectory())) return undefined;
  return [path, info.isDirectory() ? 0 : info.size, info.mtimeMs, info.isDirectory()];
}

function unchanged([path, size, mtimeMs, isDirectory]: Stamp): boolean {
  const now = stampOf(path);
  return now !== undefined && now[1] === size && now[2] === mtimeMs && now[3] === isDirectory;
}
