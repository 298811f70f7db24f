import type { DerivedFile, DerivedSet } from '../derive/derived-set.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../image/output-formats.js';

export interface FormatVariants {
  format: OutputFormat;
  /** Narrowest first. */
  variants: DerivedFile[];
}

export interface SrcsetsByFormat {
  /** Each format that has variants, best first; the last one is also the `<img>`'s srcset. */
  groups: FormatVariants[];
  /** The `<img>` src: the last format's widest variant, or the master when there are none. */
  img: DerivedFile;
}

/** A header's responsive variants as a `<picture>` (or its data) lists them. */
export function srcsetsByFormat(derived: DerivedSet): SrcsetsByFormat {
  const groups: FormatVariants[] = [];
  for (const format of OUTPUT_FORMATS) {
    const variants = derived.variants.filter((variant) => variant.format === format);
    if (variants.length > 0) groups.push({ format, variants });
  }
  return { groups, img: groups.at(-1)?.variants.at(-1) ?? derived.master };
}
