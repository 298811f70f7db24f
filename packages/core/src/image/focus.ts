/**
 * Where the exact-ratio crop keeps its subject. `attention` and `entropy` are sharp's
 * content-aware strategies; the rest are fixed gravities.
 */
export const FOCUS_VALUES = [
  'attention',
  'entropy',
  'center',
  'top',
  'bottom',
  'left',
  'right',
  'top left',
  'top right',
  'bottom left',
  'bottom right',
] as const;
export type Focus = (typeof FOCUS_VALUES)[number];
