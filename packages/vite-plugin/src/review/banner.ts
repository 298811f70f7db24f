import type { ViteDevServer } from 'vite';
import { REVIEW_PATH } from './middleware.js';

/**
 * Names the review page in the dev server's banner, under Vite's own URLs. A host that runs
 * Vite in middleware mode (Astro) prints its own banner: it is told the path through `log`.
 */
export function announceReview(server: ViteDevServer, log: (message: string) => void): void {
  if (server.config.server.middlewareMode) {
    log(`review page: ${REVIEW_PATH} on the dev server`);
    return;
  }
  const printUrls = server.printUrls.bind(server);
  server.printUrls = () => {
    printUrls();
    const local = server.resolvedUrls?.local[0];
    if (local) server.config.logger.info(`  ➜  headerforge: ${new URL(REVIEW_PATH, local)}`);
  };
}
