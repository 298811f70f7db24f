/** Best first: a <picture> lists them in this order and the last present one is the <img>. */
export const OUTPUT_FORMATS = ['avif', 'webp', 'jpeg'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
