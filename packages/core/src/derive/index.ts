export { type DeriveStep, deriveFiles } from './derive-files.js';
export type { DerivedFile, DerivedSet } from './derived-set.js';
export { type GetDerivedSetInput, getDerivedSet } from './get-derived-set.js';
export { DERIVE_VERSION, derivativeKey } from './key.js';
export { OG_HEIGHT, OG_WIDTH } from './og-card.js';
export { ALLOWED_INPUT_FORMATS, MAX_INPUT_PIXELS } from './sharp-input.js';
export type { DeriveSpec } from './spec.js';
export { keyDirectory, readDerivedSet } from './store.js';
export { removeStaleTempDirs } from './temp-dirs.js';
