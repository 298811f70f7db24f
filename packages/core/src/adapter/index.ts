// `@headerforge/core/adapter`: what a host integration (the Vite plugin, the Astro
// integration) needs from core, so that each adapter keeps only the glue to its host.
// `@headerforge/core/adapter/light` (light.ts) is the part of it that loads nothing of the
// machine, for a host's lightweight parts.

export type { DerivedFile } from '../derive/derived-set.js';
export { HeaderforgeError } from '../errors/headerforge-error.js';
export type { OpenRouterClientOptions } from '../openrouter/client.js';
export type { HeaderResult, PostFailure } from '../pipeline/summary.js';
export type { HeadersEvent } from '../site/build-headers.js';
export { hostSiteContext, siteNameOf } from '../site/card-options.js';
export { ENV_PREFIXES } from '../site/env-prefixes.js';
export {
  createHeaderService,
  type HeaderService,
  type ServiceUpdate,
} from '../site/header-service.js';
export { loadReview } from '../site/load-review.js';
export { type HeaderforgeOptions, resolveOptions } from '../site/options.js';
export { failuresError, logLineFor } from '../site/report.js';
export type {
  ReviewAction,
  ReviewCandidate,
  ReviewListing,
  ReviewPost,
} from '../site/review.js';
export { createServerIdle, type ServerIdle } from '../site/server-idle.js';
export { findHeader } from './find-header.js';
export { headersModuleCode, type ModuleFields } from './headers-module.js';
export { callForHost, forHost, settleForHost } from './host-error.js';
export { escapeAttribute } from './html-attribute.js';
export {
  contentPath,
  HEADERFORGE_OPTIONS,
  headersSignature,
  lookupHeaderService,
  registerHeaderService,
} from './light.js';
export { pictureMarkup } from './picture.js';
export { socialCardAlt, socialCardMeta, socialCards } from './social-cards.js';
export { srcsetsByFormat } from './srcsets.js';
