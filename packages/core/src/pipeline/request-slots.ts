/**
 * At most `size` holders at once, served in arrival order. Unlike a plain limiter, a
 * holder can give its slot back before it is done: a generation holds one while its
 * request is out and its paid image is saved, not while it is uploaded afterwards.
 */
export function createRequestSlots(size: number): { acquire(): Promise<() => void> } {
  const waiting: Array<() => void> = [];
  let free = size;

  const grant = (): (() => void) => {
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const next = waiting.shift();
      if (next) next();
      else free += 1;
    };
  };

  return {
    acquire() {
      if (free > 0) {
        free -= 1;
        return Promise.resolve(grant());
      }
      return new Promise((resolve) => waiting.push(() => resolve(grant())));
    },
  };
}
