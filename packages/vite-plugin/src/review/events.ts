import type { ServerResponse } from 'node:http';

/** What the review page is told as it happens. */
export type ReviewEvent =
  /** Headers the dev server serves changed: the page fetches the listing again. */
  | { type: 'changed'; files: string[]; placeholder: boolean }
  /** A progress line, as the terminal shows it (`headers 3/12 · 2 cached · $0.08`). */
  | { type: 'progress'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'failed'; files: string[]; message: string };

/** A comment line every so often keeps proxies and the browser from closing an idle stream. */
const KEEPALIVE_MS = 25_000;

/**
 * Server-Sent Events to the open review pages. SSE rather than Vite's HMR socket: the page is
 * not a Vite module (it loads no `/@vite/client`), so it would have to speak Vite's protocol;
 * `EventSource` reconnects by itself, and the stream sits behind the same Host check as the
 * rest of the page.
 */
export function createReviewEvents() {
  const clients = new Set<ServerResponse>();
  let keepalive: NodeJS.Timeout | undefined;
  return {
    open(response: ServerResponse) {
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      response.write(': headerforge review\n\n');
      clients.add(response);
      keepalive ??= setInterval(() => {
        for (const client of clients) client.write(': keepalive\n\n');
      }, KEEPALIVE_MS).unref();
      response.once('close', () => {
        clients.delete(response);
        if (clients.size === 0) {
          clearInterval(keepalive);
          keepalive = undefined;
        }
      });
    },
    send(event: ReviewEvent) {
      const data = `data: ${JSON.stringify(event)}\n\n`;
      for (const client of clients) client.write(data);
    },
    close() {
      clearInterval(keepalive);
      for (const client of clients) client.end();
      clients.clear();
    },
  };
}
