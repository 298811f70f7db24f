import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
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
 * Note folders made (or being made) by this process: a read-through into an empty cache
 * writes hundreds of notes at once into shards that do not exist yet, and each note failed
 * once and made its folder.
 */
const folders = new Map<string, Promise<unknown>>();

function makeFolder(folder: string): Promise<unknown> {
  let made = folders.get(folder);
  if (!made) {
    made = mkdir(folder, { recursive: true });
    made.catch(() => folders.delete(folder));
    folders.set(folder, made);
  }
  return made;
}

export async function writeVerification(
  dir: string,
  key: string,
  note: VerificationNote,
): Promise<void> {
  const path = notePath(dir, key);
  const folder = dirname(path);
  const text = JSON.stringify(note);
  await makeFolder(folder);
  await writeFile(path, text).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    // Its folder was deleted since: the derived cache is anyone's to clear.
    folders.delete(folder);
    await makeFolder(folder);
    await writeFile(path, text);
  });
}
