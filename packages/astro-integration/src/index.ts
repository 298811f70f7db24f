import { headerforge } from './integration.js';

export type { HeaderforgeAstroOptions } from './integration.js';
export { headerforge };
export default headerforge;
