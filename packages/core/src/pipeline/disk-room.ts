import { stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PipelineRun } from './run.js';

/**
 * Room a paid image may need on each disk it lands on: its answer (up to the body limit)
 * in the committed cache, and as much again in the derived cache (the received bytes kept
 * to derive from, then the derived set, which is smaller than the original).
 */
const ROOM_PER_ANSWER = 2;

/**
 * Whether the caches' disks have room for one more paid answer beside the ones already in
 * flight: checked before each request, so that a disk that cannot hold the answer stops the
 * build before paying, not after. The shortfall, in words, when they do not; undefined when
 * they do (or when free space cannot be known, e.g. on a file system without statfs).
 */
export async function roomForAnswer(
  run: PipelineRun,
  answerBytes: number,
  inFlight: number,
): Promise<string | undefined> {
  const need = answerBytes * ROOM_PER_ANSWER * (inFlight + 1);
  const dirs = [run.settings.cacheDir, run.settings.derivedCacheDir];
  const seen = new Set<number>();
  for (const dir of dirs) {
    const disk = await diskOf(dir);
    if (!disk || seen.has(disk.device)) continue;
    seen.add(disk.device);
    if (disk.free >= need) continue;
    return `The disk holding ${dir} has ${mib(disk.free)} free; an answer may need ${mib(need)} (the body limit, twice${inFlight > 0 ? `, for each of ${inFlight + 1} requests` : ''})`;
  }
  return undefined;
}

/** The device and free bytes of the disk holding `dir` (or its nearest existing parent). */
async function diskOf(dir: string): Promise<{ device: number; free: number } | undefined> {
  for (let current = dir; ; current = dirname(current)) {
    const info = await stat(current).catch(() => undefined);
    if (info) {
      const space = await statfs(current).catch(() => undefined);
      return space && { device: info.dev, free: space.bavail * space.bsize };
    }
    if (dirname(current) === current) return undefined;
  }
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 2 : 0)} MiB`;
