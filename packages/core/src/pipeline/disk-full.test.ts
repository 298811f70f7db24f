import { describe, expect, it } from 'vitest';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { isDiskFull, noSpaceLeft } from '../files/disk-space.js';
import { diskFullError, EARLIER_WRITE_FAILED, notGeneratedOnFullDisk } from './disk-full.js';

const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), {
  code: 'ENOSPC',
});

describe('isDiskFull', () => {
  it('finds ENOSPC or EDQUOT anywhere in the cause chain, or the system’s words for it', () => {
    expect(isDiskFull(enospc)).toBe(true);
    expect(isDiskFull(new HeaderforgeError('io', 'wrapped', { cause: enospc }))).toBe(true);
    expect(isDiskFull(Object.assign(new Error('quota'), { code: 'EDQUOT' }))).toBe(true);
    expect(isDiskFull(new Error('write failed: Disk quota exceeded'))).toBe(true);
    expect(isDiskFull(noSpaceLeft('writing the "og" images'))).toBe(true);
  });

  it('is false for other failures', () => {
    expect(
      isDiskFull(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })),
    ).toBe(false);
    expect(isDiskFull(new Error('vips2png: unable to write to target'))).toBe(false);
    expect(isDiskFull(undefined)).toBe(false);
  });
});

describe('diskFullError', () => {
  it('says what was being written, quotes the system, and says what to do', () => {
    const error = diskFullError(
      new HeaderforgeError('io', 'Cannot write the derived images in /tmp/x.', { cause: enospc }),
      'writing the resized images in node_modules/.cache/headerforge',
    );
    expect(error.code).toBe('io');
    expect(error.message).toBe(
      'The disk is full: writing the resized images in node_modules/.cache/headerforge failed (ENOSPC: no space left on device, write)',
    );
    expect(error.hint).toMatch(/Free space/);
    expect(isDiskFull(error)).toBe(true);
    // Wrapped once: a second wrapper keeps the first, more precise message.
    expect(diskFullError(error, 'writing to the caches')).toBe(error);
  });
});

describe('notGeneratedOnFullDisk', () => {
  it('names the posts, says nothing was paid for, and gives the reason the run stopped', () => {
    const error = notGeneratedOnFullDisk('posts/a.md, posts/b.md', EARLIER_WRITE_FAILED);
    expect(error.code).toBe('io');
    expect(error.message).toBe(
      'The disk is full: not generated for posts/a.md, posts/b.md, nothing was paid for. An earlier image could not be saved, so the build stopped paying for new ones',
    );
    expect(error.hint).toMatch(/Free space/);
  });
});
