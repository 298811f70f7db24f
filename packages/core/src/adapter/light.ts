// `@headerforge/core/adapter/light`: the part of the adapter API that loads nothing of the
// machine (no pipeline, no sharp, no zod), for a host's parts that only need to find it.
// An Astro content config imports its loader through Vite, module by module, on every
// build: it must not pull in all of core to look up a service that already exists.

export { contentPath } from '../site/content-path.js';
export type { HeaderService } from '../site/header-service.js';
export {
  HEADERFORGE_OPTIONS,
  lookupHeaderService,
  registerHeaderService,
} from '../site/host-registry.js';
export { headersSignature } from './headers-signature.js';
export { forHost, settleForHost } from './host-error.js';
export { socialCardAlt, socialCards } from './social-cards.js';
