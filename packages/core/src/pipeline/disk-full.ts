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

/** Why a post was not generated once an earlier write found the disk full. */
export function notGeneratedOnFullDisk(posts: string): HeaderforgeError {
  return new HeaderforgeError(
    'io',
    `Not generated for ${posts}: the disk is full (an earlier image could not be saved), so nothing more is paid for`,
    { hint: DISK_FULL_HINT },
  );
}
