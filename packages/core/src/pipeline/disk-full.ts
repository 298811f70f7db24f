import { HeaderforgeError, isHeaderforgeError } from '../errors/headerforge-error.js';
import { rootCause } from '../files/disk-space.js';

export const DISK_FULL_HINT =
  'Free space on that disk and build again: images already saved are kept, and the build stopped paying for new ones.';

/** The error for a write that found the disk full: what was being written, and where. */
export function diskFullError(error: unknown, doing: string): HeaderforgeError {
  if (isHeaderforgeError(error) && error.hint === DISK_FULL_HINT) return error;
  return new HeaderforgeError('io', `The disk is full: ${doing} failed (${rootCause(error)})`, {
    hint: DISK_FULL_HINT,
    cause: error,
  });
}

/** Why nothing more is paid for once a write found the disk full. */
export const EARLIER_WRITE_FAILED =
  'An earlier image could not be saved, so the build stopped paying for new ones';

/**
 * Why a post was not generated on a full disk: `reason` is the shortfall its own room check
 * found, or the run's (`PipelineRun.diskFull`) when an earlier post met the full disk.
 */
export function notGeneratedOnFullDisk(posts: string, reason: string): HeaderforgeError {
  return new HeaderforgeError(
    'io',
    `The disk is full: not generated for ${posts}, nothing was paid for. ${reason}`,
    { hint: DISK_FULL_HINT },
  );
}
