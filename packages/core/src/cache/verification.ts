import { mkdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { verificationNote as notePath } from './layout.js';

/**
 * "This image file, at this size and mtime, had this hash": kept in the regenerable cache
 * so warm builds do not re-hash every image. A torn or stale note only costs a re-hash.
 */
const noteSchema = z.object({ sha256: z.string(), size: z.number(), mtimeMs: z.number() });
export type VerificationNote = z.infer<typeof noteSchema>;

export async function readVerification(
  dir: string,
  key: string,
): Promise<VerificationNote | undefined> {
  try {
    // Synchronous: read once per post on every warm build (see the store's lookup).
    return noteSchema.parse(JSON.parse(readFileSync(notePath(dir, key), 'utf8')));
  } catch {
    return undefined;
  }
}

/**
 * Note folders known to be there: a read-through into an empty cache writes hundreds of
 * notes at once into shards that do not exist yet, and each note failed once and made its
 * folder.
 */
const madeFolders = new Set<string>();

export async function writeVerification(
  dir: string,
  key: string,
  note: VerificationNote,
): Promise<void> {
  const path = notePath(dir, key);
  const folder = dirname(path);
  const text = JSON.stringify(note);
  // Not synchronous, unlike the read: replacing a file's content can wait on the disk.
  if (!madeFolders.has(folder)) {
    mkdirSync(folder, { recursive: true });
    madeFolders.add(folder);
  }
  await writeFile(path, text).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    // Its folder was deleted since: the derived cache is anyone's to clear.
    mkdirSync(folder, { recursive: true });
    await writeFile(path, text);
  });
}
