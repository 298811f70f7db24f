import type { ViteDevServer } from 'vite';

/**
 * The longest background work waits for a busy server: under steady traffic (a page polled
 * without pause) it must still go on, a step at a time.
 */
const MAX_WAIT_MS = 1000;

/**
 * When `server` has time for background work: once it listens, and then whenever it is
 * answering no request. Given to the header service, so that making headers in the
 * background never slows the first page, nor the pages after it.
 */
export function serverIdle(server: ViteDevServer): () => Promise<void> {
  let inFlight = 0;
  let waiters: Array<() => void> = [];
  const http = server.httpServer;
  const listening = new Promise<void>((resolve) => {
    // Middleware mode: the host's own server is already up.
    if (!http || http.listening) resolve();
    else http.once('listening', () => resolve());
  });
  server.middlewares.use((_request, response, next) => {
    inFlight++;
    response.once('close', () => {
      inFlight--;
      if (inFlight > 0) return;
      const woken = waiters;
      waiters = [];
      for (const wake of woken) wake();
    });
    next();
  });
  return async () => {
    await listening;
    if (inFlight === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, MAX_WAIT_MS);
      waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  };
}
