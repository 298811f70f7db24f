import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { sharedDecode } from './shared-decode.js';

let png: Buffer;
beforeAll(async () => {
  png = await sharp({ create: { width: 64, height: 36, channels: 3, background: '#3366cc' } })
    .png()
    .toBuffer();
});

/** A decode whose reads of the original are counted, and can be held back until released. */
function counted(bytes: () => Uint8Array = () => png) {
  const reads = { count: 0 };
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const decode = sharedDecode(async () => {
    reads.count += 1;
    await gate;
    return bytes();
  });
  return { decode, reads, open };
}

describe('sharedDecode', () => {
  it('decodes once for the derivations running side by side, and they get the same pixels', async () => {
    const { decode, reads, open } = counted();
    const one = decode.use((pixels) => pixels());
    const two = decode.use((pixels) => pixels());
    open();
    const [a, b] = await Promise.all([one, two]);
    expect(reads.count).toBe(1);
    expect(a).toBe(b);
    expect(a).toMatchObject({ width: 64, height: 36, channels: 3 });
    expect(a.data.length).toBe(64 * 36 * 3);
  });

  it('shares them with a derivation that starts while they are being decoded', async () => {
    const { decode, reads, open } = counted();
    const first = decode.use((pixels) => pixels());
    const joined = decode.use((pixels) => pixels());
    open();
    expect(await joined).toBe(await first);
    expect(reads.count).toBe(1);
  });

  it('keeps them for a derivation still running that has not taken them yet', async () => {
    const { decode, reads, open } = counted();
    open();
    let takeNow: () => void = () => {};
    const later = new Promise<void>((resolve) => {
      takeNow = resolve;
    });
    const slow = decode.use(async (pixels) => {
      await later;
      return pixels();
    });
    const fast = await decode.use((pixels) => pixels());
    takeNow();
    expect(await slow).toBe(fast);
    expect(reads.count).toBe(1);
  });

  it('lets them go once decoded and taken by every derivation running, even while one still runs', async () => {
    const { decode, reads, open } = counted();
    open();
    let finish: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let first: unknown;
    let took: () => void = () => {};
    const taken = new Promise<void>((resolve) => {
      took = resolve;
    });
    // The set: takes the pixels, then goes on to its variants without them.
    const running = decode.use(async (pixels) => {
      first = await pixels();
      took();
      await held;
    });
    await taken;
    const later = await decode.use((pixels) => pixels());
    expect(reads.count).toBe(2);
    expect(later).not.toBe(first);
    finish();
    await running;
  });

  it('reads nothing for a derivation that needs no pixels (everything it makes is kept)', async () => {
    const { decode, reads, open } = counted();
    open();
    expect(await decode.use(async () => 'kept')).toBe('kept');
    expect(reads.count).toBe(0);
  });

  it('gives every derivation waiting on a bad original the decoding error', async () => {
    const { decode, open } = counted(() => new TextEncoder().encode('not an image'));
    const one = decode.use((pixels) => pixels());
    const two = decode.use((pixels) => pixels());
    open();
    for (const result of await Promise.allSettled([one, two])) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason;
      expect(error).toBeInstanceOf(HeaderforgeError);
      expect(error.code).toBe('image_processing');
    }
  });
});
