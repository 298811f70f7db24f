import { HeaderforgeError } from '../errors/headerforge-error.js';
import { FOCUS_VALUES, type Focus } from '../image/focus.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../image/output-formats.js';
import { ASPECT_RATIOS, type AspectRatio, EXTENDED_ASPECT_RATIOS } from '../image/ratios.js';

/** Everything, besides the original's bytes, that decides the derived files. */
export interface DeriveSpec {
  /** Exact target ratio of the master crop, e.g. `'16:9'`. */
  aspectRatio: AspectRatio;
  /** Crop gravity or strategy; the options default to `'attention'`. */
  focus: Focus;
  /** Responsive widths, e.g. `[640, 960, 1280, 1600]`. Wider than the master: dropped. */
  widths: number[];
  /** Encodings of every width, e.g. `['avif', 'webp', 'jpeg']`. */
  formats: OutputFormat[];
  /** Also make the 1200×630 social card. */
  og: boolean;
  /**
   * Make the widths × formats variants (default `true`). A host that makes its own
   * responsive images from the master (Astro's `<Image>`/`<Picture>`) sets `false`: the set
   * is then the master, the card, the LQIP and the colour, and `widths`/`formats` are unused.
   */
  variants?: boolean;
}

const KNOWN_RATIOS: ReadonlySet<string> = new Set([...ASPECT_RATIOS, ...EXTENDED_ASPECT_RATIOS]);
const KNOWN_FOCUS: ReadonlySet<string> = new Set(FOCUS_VALUES);
const KNOWN_FORMATS: ReadonlySet<string> = new Set(OUTPUT_FORMATS);

/**
 * The spec in its one canonical form (widths ascending and unique, formats sorted and
 * unique, both empty without variants), so that equal intentions share a derivative key and a directory. Checked here
 * too because the spec may come from code that bypassed the options schema, and a width
 * of 0 or 1.5 would otherwise surface as an obscure sharp error after the decode.
 */
export function normaliseSpec(spec: DeriveSpec): DeriveSpec {
  if (!KNOWN_RATIOS.has(spec.aspectRatio)) {
    throw invalid('aspectRatio', `"${String(spec.aspectRatio)}" is not a supported ratio`, [
      ...KNOWN_RATIOS,
    ]);
  }
  if (!KNOWN_FOCUS.has(spec.focus)) {
    throw invalid('focus', `"${String(spec.focus)}" is not a focus`, FOCUS_VALUES);
  }
  const badWidth = spec.widths.find((width) => !Number.isSafeInteger(width) || width < 1);
  if (badWidth !== undefined) {
    throw new HeaderforgeError(
      'invalid_option',
      `Option "widths" must hold positive whole pixel counts; got ${String(badWidth)}.`,
      { hint: 'Set "widths" to pixel widths such as [640, 960, 1280, 1600].' },
    );
  }
  const badFormat = spec.formats.find((format) => !KNOWN_FORMATS.has(format));
  if (badFormat !== undefined) {
    throw invalid('formats', `"${String(badFormat)}" is not an output format`, OUTPUT_FORMATS);
  }
  const variants = spec.variants !== false;
  if (variants && spec.formats.length === 0) {
    throw invalid('formats', 'the list is empty', OUTPUT_FORMATS);
  }
  return {
    aspectRatio: spec.aspectRatio,
    focus: spec.focus,
    // Without variants they decide nothing, so they must not split the cache either.
    widths: variants ? [...new Set(spec.widths)].sort((a, b) => a - b) : [],
    formats: variants ? [...new Set(spec.formats)].sort() : [],
    og: spec.og === true,
    variants,
  };
}

function invalid(option: string, problem: string, valid: Iterable<string>): HeaderforgeError {
  return new HeaderforgeError('invalid_option', `Option "${option}": ${problem}.`, {
    hint: `Use one of: ${[...valid].join(', ')}.`,
  });
}
