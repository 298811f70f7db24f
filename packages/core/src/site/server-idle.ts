/** Quiet after the last request before a server counts as idle: a page's burst is over. */
const QUIET_MS = 250;
/**
 * The longest background work waits for the server to be quiet: under steady traffic (a page
 * polled without pause) it must still go on, a step at a time.
 */
const MAX_WAIT_MS = 1000;
/** The same for the first step: a first page that compiles for seconds goes first. */
const MAX_FIRST_WAIT_MS = 3000;

/** What a host tells about its dev server; `idle` is given to `HeaderService.yieldTo`. */
export interface ServerIdle {
  listening(): void;
  requestStarted(): void;
  requestEnded(): void;
  /**
   * Resolves when the server has time for background work: once it listens, and then
   * whenever it has answered every request and had none for a moment (or waited too long).
   */
  idle(): Promise<void>;
  /**
   * Resolves once the server answers no request (at once if it answers none), or has waited
   * too long: for work wanted soon that should not hold up the responses under way, such as
   * a dev server's first run, started when a page it has just answered is pre-transformed.
   */
  settled(): Promise<void>;
}

/**
 * When a dev server has time for background work, from what its host reports, so that
 * making headers in the background slows neither the first page nor the pages after it.
 */
export function createServerIdle(): ServerIdle {
  let inFlight = 0;
  let lastActivity = 0;
  /** Called when no request is in flight any more. */
  const waiting = new Set<() => void>();
  let first = true;
  let markListening = () => {};
  const listening = new Promise<void>((resolve) => {
    markListening = resolve;
  }).then(() => {
    lastActivity = performance.now();
  });
  return {
    listening: () => markListening(),
    requestStarted() {
      inFlight++;
      lastActivity = performance.now();
    },
    requestEnded() {
      inFlight--;
      lastActivity = performance.now();
      if (inFlight > 0) return;
      for (const settle of waiting) settle();
      waiting.clear();
    },
    async idle() {
      await listening;
      const deadline = performance.now() + (first ? MAX_FIRST_WAIT_MS : MAX_WAIT_MS);
      first = false;
      for (;;) {
        const now = performance.now();
        const quietFor = now - lastActivity;
        if ((inFlight === 0 && quietFor >= QUIET_MS) || now >= deadline) return;
        const wait = inFlight === 0 ? QUIET_MS - quietFor : QUIET_MS;
        await new Promise((resolve) => setTimeout(resolve, Math.min(wait, deadline - now)));
      }
    },
    async settled() {
      // Not listening yet: no request is under way.
      if (inFlight === 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, MAX_WAIT_MS);
        waiting.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
