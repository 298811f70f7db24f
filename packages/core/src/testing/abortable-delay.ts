import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits `ms`, or less if `signal` aborts: a client that hangs up, or `close()`, must not leave a
 * timer that keeps the process alive.
 */
export async function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}
