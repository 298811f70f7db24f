import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { FakeOpenRouter } from '@headerforge/core/testing';
import sharp from 'sharp';
import { runHeaderforge } from './cli.js';

const SHARD = /^[0-9a-f]{2}$/;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * The images a user paid for: answers the fake delivered whole that carried image bytes
 * (valid or not: a bomb or a mislabelled image was billed all the same).
 */
export function paidImages(fake: FakeOpenRouter): string[] {
  return fake
    .generations()
    .flatMap((request) =>
      request.answer?.delivered && request.answer.imageSha256 ? [request.answer.imageSha256] : [],
    );
}

/**
 * sha256 of every file kept in a committed cache folder, its `.quarantine/` included. Not
 * kept: the temp file of a write that never got renamed (the next write in its folder
 * deletes it, however complete its bytes), and lock files. An image stored compactly counts
 * as its received bytes too (the sidecar's `received.sha256`), but only when the compact file
 * the sidecar names is there with the sidecar's hash.
 */
export async function keptHashes(cacheDir: string): Promise<Set<string>> {
  const hashes = new Set<string>();
  const entries = await readdir(cacheDir, { recursive: true, withFileTypes: true }).catch(() => []);
  const sidecars: string[] = [];
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name);
    const temp = entry.name.startsWith('.') && entry.name.includes('.tmp-');
    const lock = relative(cacheDir, path).split(sep)[0] === '.locks';
    if (!entry.isFile() || temp || lock) continue;
    hashes.add(sha256(await readFile(path)));
    if (entry.name.endsWith('.json') && SHARD.test(relative(cacheDir, entry.parentPath)))
      sidecars.push(path);
  }
  for (const path of sidecars) {
    const sidecar = JSON.parse(await readFile(path, 'utf8')) as CompactRecord & {
      candidates?: CompactRecord[];
    };
    for (const record of [sidecar, ...(sidecar.candidates ?? [])])
      if (record.received && hashes.has(record.sha256)) hashes.add(record.received.sha256);
  }
  return hashes;
}

interface CompactRecord {
  sha256: string;
  received?: { sha256: string };
}

/**
 * Paid images found neither in the cache nor in its quarantine: "paid images lost". Each
 * image is a distinct hash (the fake's art is deterministic), so one kept copy accounts for
 * an image however many times it was delivered.
 */
export async function paidImagesLost(fake: FakeOpenRouter, cacheDir: string): Promise<string[]> {
  const kept = await keptHashes(cacheDir);
  return [...new Set(paidImages(fake))].filter((hash) => !kept.has(hash));
}

export interface CacheCheck {
  status: 'ok' | 'warn' | 'fail';
  message: string;
}

/**
 * `headerforge doctor`'s verdict on a site's committed cache: it reads the cache read-only
 * and hashes every byte, so it is the oracle for "the cache verifies".
 */
export async function doctorCacheCheck(
  siteDir: string,
  env: Record<string, string>,
): Promise<CacheCheck> {
  const run = await runHeaderforge(['doctor', '--json', '--root', siteDir], env);
  const checks = JSON.parse(run.stdout) as Array<CacheCheck & { check: string }>;
  const cache = checks.find((check) => check.check === 'cache-verifies');
  if (!cache) throw new Error(`doctor printed no cache check: ${run.stdout}${run.stderr}`);
  return { status: cache.status, message: cache.message };
}

/** Committed images (in the shards) that sharp cannot decode to the last pixel. */
export async function undecodableImages(cacheDir: string): Promise<string[]> {
  const bad: string[] = [];
  const shards = (await readdir(cacheDir).catch(() => [] as string[])).filter((name) =>
    SHARD.test(name),
  );
  for (const shard of shards) {
    for (const name of await readdir(join(cacheDir, shard))) {
      if (name.startsWith('.') || name.endsWith('.json')) continue;
      const file = join(cacheDir, shard, name);
      if (!(await decodesFully(file))) bad.push(relative(cacheDir, file));
    }
  }
  return bad.sort();
}

/** Whether sharp decodes an image file to its last pixel (a torn file does not). */
export function decodesFully(file: string): Promise<boolean> {
  return sharp(file, { failOn: 'error' })
    .raw()
    .toBuffer()
    .then(
      () => true,
      () => false,
    );
}
