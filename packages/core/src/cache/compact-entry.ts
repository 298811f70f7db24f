import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomic-write.js';
import { readNoFollow } from '../files/no-follow.js';
import { compactImage } from '../image/compact.js';
import { sha256Hex } from './keys.js';
import { imageFileName } from './layout.js';
import type { ImageRecord, Sidecar } from './sidecar.js';
import type { StoredEntry } from './store.js';

/** What converting one entry did (or, in a dry run, would do). */
export interface CompactedEntry {
  key: string;
  /** Images converted: the first and each candidate that was stored as received. */
  images: number;
  /** Their size before and after. */
  before: number;
  after: number;
  /** Why an image of the entry was left as it is (unreadable, not matching its hash). */
  problems: string[];
}

type Slot = { record: ImageRecord; candidate: number };

/**
 * Stores an entry's images compactly, in place, so that an interruption at any point leaves
 * the entry readable: each new file is written first (atomically; the sidecar does not name
 * it yet, so a lookup ignores it), then the sidecar is replaced atomically (naming the new
 * files and recording what was received), and only then are the old files deleted. Running
 * it again finishes an interrupted run: the encoding gives the same bytes again, and an old
 * file left behind is deleted once its hash is the sidecar's `received`.
 */
export async function compactEntry(
  entry: StoredEntry,
  sidecar: Sidecar,
  options: { dryRun: boolean },
): Promise<CompactedEntry> {
  const done: CompactedEntry = { key: entry.key, images: 0, before: 0, after: 0, problems: [] };
  const slots: Slot[] = [
    { record: sidecar, candidate: 1 },
    ...(sidecar.candidates ?? []).map((record) => ({ record, candidate: record.candidate })),
  ];
  const converted = new Map<number, ImageRecord>();
  const oldFiles: string[] = [];
  try {
    await convert();
    if (converted.size === 0 || options.dryRun) return done;
    await writeFileAtomic(entry.sidecarFile as string, `${JSON.stringify(renamed(), null, 2)}\n`);
  } catch (error) {
    if (!options.dryRun) await removeUnnamed(entry, converted);
    throw error;
  }
  for (const file of oldFiles) await rm(file, { force: true });
  return done;

  /** The sidecar naming the converted files and recording what was received. */
  function renamed(): Sidecar {
    return {
      ...sidecar,
      ...(converted.get(1) ?? {}),
      ...(sidecar.candidates
        ? {
            candidates: sidecar.candidates.map((record) => {
              const changed = converted.get(record.candidate);
              return changed ? { ...changed, candidate: record.candidate } : record;
            }),
          }
        : {}),
    };
  }

  async function convert(): Promise<void> {
    for (const { record, candidate } of slots) {
      if (record.received) {
        if (!options.dryRun) await removeLeftover(entry.shard, sidecar.key, record, candidate);
        continue;
      }
      const file = join(entry.shard, record.file);
      const bytes = await readNoFollow(file);
      if (typeof bytes === 'string' || sha256Hex(bytes) !== record.sha256) {
        done.problems.push(`${record.file} does not match its sidecar: left as it is`);
        continue;
      }
      const compact = await compactImage(bytes, record.mediaType);
      if (!compact) continue;
      const name = imageFileName(sidecar.key, compact.mediaType, candidate);
      if (!options.dryRun) await writeFileAtomic(join(entry.shard, name), compact.bytes);
      converted.set(candidate, {
        ...record,
        file: name,
        mediaType: compact.mediaType,
        sha256: sha256Hex(compact.bytes),
        bytes: compact.bytes.byteLength,
        received: { sha256: record.sha256, bytes: record.bytes, mediaType: record.mediaType },
      });
      oldFiles.push(file);
      done.images += 1;
      done.before += record.bytes;
      done.after += compact.bytes.byteLength;
    }
  }
}

/**
 * After a failure (a full disk, say): the new files this run wrote that the sidecar on disk
 * does not name are deleted, so none is left behind to be committed. Which sidecar is on disk
 * is read, not assumed (a sidecar write can fail after its rename); unread, nothing is deleted.
 */
async function removeUnnamed(
  entry: StoredEntry,
  written: ReadonlyMap<number, ImageRecord>,
): Promise<void> {
  const named = await readFile(entry.sidecarFile as string, 'utf8').then(
    (text) => {
      const sidecar = JSON.parse(text) as Partial<Sidecar>;
      return new Set([sidecar.file, ...(sidecar.candidates ?? []).map((record) => record.file)]);
    },
    () => undefined,
  );
  if (!named) return;
  for (const { file } of written.values())
    if (!named.has(file)) await rm(join(entry.shard, file), { force: true }).catch(() => {});
}

/** The received file of a converted image, left behind by an interrupted run: deleted once proven. */
async function removeLeftover(
  shard: string,
  key: string,
  record: ImageRecord,
  candidate: number,
): Promise<void> {
  const received = record.received;
  if (!received) return;
  const file = join(shard, imageFileName(key, received.mediaType, candidate));
  if (file === join(shard, record.file)) return;
  const bytes = await readNoFollow(file);
  if (typeof bytes !== 'string' && sha256Hex(bytes) === received.sha256) await rm(file);
}
