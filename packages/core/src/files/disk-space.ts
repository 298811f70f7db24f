import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { causeChain } from '../errors/cause-chain.js';

const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);
const DISK_FULL_TEXT = /no space left on device|disk quota exceeded/i;
/** Less room than this is a full disk for image work (one 4K set is tens of MB). */
const LOW_SPACE_BYTES = 8 * 2 ** 20;

/** Whether an error, or any error in its `cause` chain, says the disk (or quota) is full. */
export function isDiskFull(error: unknown): boolean {
  for (const current of causeChain(error)) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && DISK_FULL_CODES.has(code)) return true;
    if (typeof message === 'string' && DISK_FULL_TEXT.test(message)) return true;
  }
  return false;
}

/**
 * Whether the file system holding `dir` has (almost) no room left. libvips reports a full
 * disk as a failed write ("unable to write to target"), without the system's reason, so a
 * failed write is judged by the room that is left.
 */
export async function isOutOfSpace(dir: string): Promise<boolean> {
  const stats =
    (await statfs(dir).catch(() => undefined)) ??
    (await statfs(dirname(dir)).catch(() => undefined));
  return stats !== undefined && stats.bavail * stats.bsize < LOW_SPACE_BYTES;
}

/** A stand-in for the system's ENOSPC, for writes whose library did not say why they failed. */
export function noSpaceLeft(what: string): Error {
  return Object.assign(new Error(`ENOSPC: no space left on device, ${what}`), { code: 'ENOSPC' });
}

/** The innermost error's first line: the system's own words, without our wrapping. */
export function rootCause(error: unknown): string {
  const innermost = causeChain(error).at(-1);
  const message = innermost instanceof Error ? innermost.message : String(innermost);
  return message.split('\n')[0]?.trim() ?? '';
}
