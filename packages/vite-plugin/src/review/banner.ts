import type { ViteDevServer } from 'vite';
import { REVIEW_PATH } from './middleware.js';

/**
 * Names the review page in the dev server's banner, under Vite's own URLs. A host that prints
 * its own banner (Astro) is given a log line with the address instead, once the server listens.
 */
export function announceReview(
  server: ViteDevServer,
  hostLog: ((message: string) => void) | undefined,
): void {
  if (!hostLog) {
    const printUrls = server.printUrls.bind(server);
    server.printUrls = () => {
      printUrls();
      const local = server.resolvedUrls?.local[0];
      if (local) server.config.logger.info(`  ➜  headerforge: ${new URL(REVIEW_PATH, local)}`);
    };
    return;
  }
  const http = server.httpServer;
  const announce = () => {
    const address = http?.address();
    const where =
      address && typeof address === 'object'
        ? `http://localhost:${address.port}${REVIEW_PATH}`
        : `${REVIEW_PATH} on the dev server`;
    hostLog(`review page: ${where}`);
  };
  if (!http || http.listening) announce();
  else http.once('listening', announce);
}
