/**
 * Where a test holds a dev server's background work, to see what the server shows before
 * its headers are made (`holdBackgroundWork` in `@headerforge/core/testing`). A global
 * symbol, not module state: Astro loads its config, and so this package, through Vite,
 * which may give the host a copy of core other than the test's.
 */
export const BACKGROUND_HOLD = Symbol.for('headerforge.backgroundHold');

/** Resolves when background work may start: at once, unless a test holds it. */
export function backgroundMayStart(): Promise<void> {
  const hold = (globalThis as { [BACKGROUND_HOLD]?: Promise<void> })[BACKGROUND_HOLD];
  return hold ?? Promise.resolve();
}
