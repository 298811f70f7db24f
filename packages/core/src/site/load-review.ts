/**
 * What the dev server's review page needs (the listing, thumbnails, the edits the CLI makes
 * too), loaded on its first request: a dev server listens without loading sharp or the caches.
 */
export const loadReview = () => import('./review.js');
