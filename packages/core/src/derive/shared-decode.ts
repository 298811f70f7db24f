import type { RawImage } from './sharp-input.js';

/** One image's decode, shared by the derivations of it that run side by side. */
export interface SharedDecode {
  /**
   * Runs `work`, which calls the function it is handed when (and only if) it needs the
   * pixels: the first call decodes them, and the derivations running meanwhile share them.
   */
  use<T>(work: (pixels: () => Promise<RawImage>) => Promise<T>): Promise<T>;
}

/**
 * A cold post's derived set and its title cards each take a slot of the pixel budget, side
 * by side; with this, the second takes the pixels the first decoded (a 1K PNG: ~11 ms) rather
 * than decoding the original again. They are kept while being decoded and while a running
 * derivation has not taken them yet, then let go: each derivation keeps its own reference
 * only as long as it needs it (the set lets go before its variants), and one that starts
 * later decodes again, so no decoded image outlives the slots that account for its memory.
 */
export function sharedDecode(read: () => Promise<Uint8Array>): SharedDecode {
  // Derivations running that have not asked for the pixels (yet).
  let untaken = 0;
  let decoded: Promise<RawImage> | undefined;
  let settled = false;
  const forget = () => {
    if (untaken === 0 && settled) decoded = undefined;
  };
  const start = () => {
    const pending = decode(read);
    decoded = pending;
    settled = false;
    const done = () => {
      if (decoded !== pending) return;
      settled = true;
      forget();
    };
    pending.then(done, done);
    return pending;
  };
  return {
    async use(work) {
      untaken += 1;
      let mine: Promise<RawImage> | undefined;
      try {
        return await work(() => {
          if (!mine) {
            mine = decoded ?? start();
            untaken -= 1;
            forget();
          }
          return mine;
        });
      } finally {
        if (!mine) {
          untaken -= 1;
          forget();
        }
      }
    },
  };
}

async function decode(read: () => Promise<Uint8Array>): Promise<RawImage> {
  // Loaded on first use: a warm build never decodes, and never loads sharp.
  const { decodeOriginal } = await import('./sharp-input.js');
  return decodeOriginal(await read());
}
