import { lstatSync, mkdirSync, readFileSync } from 'node:fs';
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

/** Bump when the shape of a remembered value changes: older indexes are then ignored. */
const FORMAT = 1;
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

type Sections = Record<WarmSection, Record<string, Fact>>;

const SECTIONS: readonly WarmSection[] = ['content', 'originals', 'placeholders', 'derived'];

/** Opens the index under `derivedCacheDir` (an empty one if it is missing or unreadable). */
export function openWarmIndex(derivedCacheDir: string): WarmIndex {
  const file = derivedCacheLayout(derivedCacheDir).warmIndex;
  const sections = load(file);
  let changed = false;
  const now = Date.now();

  return {
    recall<T>(section: WarmSection, id: string): T | undefined {
      const fact = sections[section][id];
      if (!fact?.stamps.every(unchanged)) return undefined;
      if (now - fact.used > TOUCH_EVERY_MS) {
        fact.used = now;
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
      sections[section][id] = { stamps, value, used: now };
      changed = true;
    },
    async save() {
      if (!changed) return;
      changed = false;
      for (const section of SECTIONS) {
        for (const [id, fact] of Object.entries(sections[section])) {
          if (now - fact.used > FORGET_AFTER_MS) delete sections[section][id];
        }
      }
      mkdirSync(dirname(file), { recursive: true });
      await writeFileAtomic(file, JSON.stringify({ format: FORMAT, ...sections }));
    },
  };
}

function load(file: string): Sections {
  const empty = (): Sections => ({ content: {}, originals: {}, placeholders: {}, derived: {} });
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return empty();
  }
  if (typeof parsed !== 'object' || parsed === null) return empty();
  const record = parsed as Record<string, unknown>;
  if (record.format !== FORMAT) return empty();
  const sections = empty();
  for (const section of SECTIONS) {
    const facts = record[section];
    if (typeof facts !== 'object' || facts === null) continue;
    for (const [id, fact] of Object.entries(facts as Record<string, unknown>)) {
      if (isFact(fact)) sections[section][id] = fact;
    }
  }
  return sections;
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
