/**
 * Holds something that expires unless refreshed (a lock file's mtime, a remote lease):
 * `refresh` runs every third of `ttlMs` (at least every `minEveryMs`), never keeps the
 * process alive, and stops at the first `release`, which then runs `onRelease` once.
 */
export function keepAlive(
  refresh: () => Promise<unknown>,
  ttlMs: number,
  minEveryMs: number,
  onRelease: () => Promise<void>,
): { release(): Promise<void> } {
  const heartbeat = setInterval(
    () => {
      // A missed refresh only shortens the hold: the next one, or the expiry, settles it.
      refresh().catch(() => {});
    },
    Math.max(minEveryMs, Math.floor(ttlMs / 3)),
  );
  heartbeat.unref();
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      await onRelease();
    },
  };
}
