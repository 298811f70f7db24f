import { createServerIdle, type ServerIdle } from '@headerforge/core/adapter';
import type { ViteDevServer } from 'vite';

/**
 * When `server` has time for background work (core's `createServerIdle`), told when it
 * listens and when each request starts and ends.
 */
export function serverIdle(server: ViteDevServer): Pick<ServerIdle, 'idle' | 'settled'> {
  const gate = createServerIdle();
  const http = server.httpServer;
  // Middleware mode: the host's own server is already up.
  if (!http || http.listening) gate.listening();
  else http.once('listening', () => gate.listening());
  server.middlewares.use((request, response, next) => {
    // A stream that stays open (the review page's progress events) is no request to wait for.
    if (request.headers.accept === 'text/event-stream') {
      next();
      return;
    }
    gate.requestStarted();
    response.once('close', () => gate.requestEnded());
    next();
  });
  return gate;
}
