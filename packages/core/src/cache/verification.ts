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

export async function writeVerification(
  dir: string,
  key: string,
  note: VerificationNote,
): Promise<void> {
  const path = notePath(dir, key);
  // Its shard folder is there but for the first note in it: made only when missing.
  await writeFile(path, JSON.stringify(note)).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, JSON.stringify(note));
  });
}
