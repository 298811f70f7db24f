import { BACKGROUND_HOLD } from '../site/background-hold.js';

/**
 * Holds the background work a dev server starts with (making the headers it shows as
 * pending) until the returned function is called: what the server serves meanwhile can
 * then be seen without a race. Hold before the server starts; release in every case.
 */
export function holdBackgroundWork(): () => void {
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const slot = globalThis as { [BACKGROUND_HOLD]?: Promise<void> };
  slot[BACKGROUND_HOLD] = held;
  return () => {
    if (slot[BACKGROUND_HOLD] === held) delete slot[BACKGROUND_HOLD];
    release();
  };
}
