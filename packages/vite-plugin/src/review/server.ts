// The review page's parts: a dev server loads them when it starts (see the plugin's
// `configureServer`); a build never does.
export { announceReview } from './banner.js';
export { attachReview, type Review } from './middleware.js';
