// `@headerforge/core/adapter`: what a host integration (the Vite plugin, the Astro
// integration) needs from core, so that each adapter keeps only the glue to its host.

export type { DerivedFile } from '../derive/derived-set.js';
export { HeaderforgeError } from '../errors/headerforge-error.js';
export type { OpenRouterClientOptions } from '../openrouter/client.js';
export type { HeaderResult, PostFailure } from '../pipeline/summary.js';
export type { HeadersEvent } from '../site/build-headers.js';
export { contentPath } from '../site/content-path.js';
export { ENV_PREFIXES } from '../site/env-prefixes.js';
export {
  createHeaderService,
  type HeaderService,
  lookupHeaderService,
  registerHeaderService,
  type ServiceUpdate,
} from '../site/header-service.js';
export {
  HEADERFORGE_OPTIONS,
  type HeaderforgeOptions,
  resolveOptions,
} from '../site/options.js';
export { failuresError, logLineFor } from '../site/report.js';
export { findHeader } from './find-header.js';
export { headersModuleCode, type ModuleFields } from './headers-module.js';
export { headersSignature } from './headers-signature.js';
export { escapeAttribute } from './html-attribute.js';
export { pictureMarkup } from './picture.js';
export { srcsetsByFormat } from './srcsets.js';
