import type { ViteDevServer } from 'vite';

/** Quiet after the last request before the server counts as idle: a page's burst is over. */
const QUIET_MS = 250;
/**
 * The longest background work waits for the server to be quiet: under steady traffic (a page
 * polled without pause) it must still go on, a step at a time.
 */
const MAX_WAIT_MS = 1000;
/** The same for the first step: a first page that compiles for seconds goes first. */
const MAX_FIRST_WAIT_MS = 3000;

/**
 * When `server` has time for background work: once it listens, and then whenever it has
 * answered every request and had none for a moment. Given to the header service, so that
 * making headers in the background slows neither the first page nor the pages after it.
 */
export function serverIdle(server: ViteDevServer): () => Promise<void> {
  let inFlight = 0;
  let lastActivity = 0;
  let first = true;
  const http = server.httpServer;
  const listening = new Promise<void>((resolve) => {
    // Middleware mode: the host's own server is already up.
    if (!http || http.listening) resolve();
    else http.once('listening', () => resolve());
  }).then(() => {
    lastActivity = performance.now();
  });
  server.middlewares.use((_request, response, next) => {
    inFlight++;
    lastActivity = performance.now();
    response.once('close', () => {
      inFlight--;
      lastActivity = performance.now();
    });
    next();
  });
  return async () => {
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
  };
}
