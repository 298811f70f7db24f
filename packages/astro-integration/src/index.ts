import { headerforge } from './integration.js';

export type { HeaderforgeAstroOptions } from './integration.js';
export { type HeaderforgeLoaderOptions, headerforgeLoader } from './loader.js';
export { headerforge };
export default headerforge;
