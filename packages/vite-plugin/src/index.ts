import { headerforge } from './plugin.js';

export { headerforgeEnv } from './env.js';
export type { HeaderforgeOptions, HeaderforgeViteOptions, HostLogger } from './plugin.js';
export { RESOLVED_VIRTUAL_ID, VIRTUAL_ID } from './virtual-module.js';
export { headerforge };
export default headerforge;
