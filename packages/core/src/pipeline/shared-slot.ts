/**
 * One slot of the pixel budget for the cold derivations of one image that want it at the
 * same time: a post's derived set and its title cards join it, start together when it
 * starts, and release it when the last ends. Together they share one decode (see
 * `derive/shared-decode.ts`); in slots of their own, queued among other images' work, one
 * would often start after the other had let the pixels go. The slot accounts for the
 * original's pixels, which the derivations share; what each adds (a master, a card's
 * canvas) is small beside them.
 */
export function sharedSlot(
  take: (task: () => Promise<void>) => Promise<void>,
): <T>(work: () => Promise<T>) => Promise<T> {
  let open: { started: Promise<void>; joined: number; end: () => void } | undefined;
  return async (work) => {
    if (!open) {
      let start: () => void = () => {};
      let end: () => void = () => {};
      const started = new Promise<void>((resolve) => {
        start = resolve;
      });
      const ended = new Promise<void>((resolve) => {
        end = resolve;
      });
      open = { started, joined: 0, end };
      void take(() => {
        start();
        return ended;
      });
    }
    const slot = open;
    slot.joined += 1;
    try {
      await slot.started;
      return await work();
    } finally {
      slot.joined -= 1;
      if (slot.joined === 0) {
        if (open === slot) open = undefined;
        slot.end();
      }
    }
  };
}
