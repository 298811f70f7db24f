/**
 * What the dev server's review page needs (the listing, thumbnails, the edits the CLI makes
 * too), loaded on its first request: a dev server listens without loading sharp or the caches.
 */
export async function loadReview() {
  const review = await import('./review.js');
  return {
    reviewScan: review.reviewScan,
    reviewListing: review.reviewListing,
    reviewThumbnail: review.reviewThumbnail,
    reviewTarget: review.reviewTarget,
    parseReviewAction: review.parseReviewAction,
    applyReviewAction: review.applyReviewAction,
  };
}
