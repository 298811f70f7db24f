import type { OutputFormat } from '../image/output-formats.js';

/** One file a site can serve. */
export interface DerivedFile {
  /** Absolute path. */
  file: string;
  width: number;
  height: number;
  format: 'png' | OutputFormat;
  /** Size on disk; the warm path checks it to catch truncated files. */
  bytes: number;
}

/** Everything derived from one original for one spec. */
export interface DerivedSet {
  /** The derivative key (also the name of the directory holding the files). */
  key: string;
  /** Exact-ratio crop at full resolution, lossless PNG (1344×768 → 1344×756). */
  master: DerivedFile;
  /** Widths × formats, sorted by format then width; never upscaled. */
  variants: DerivedFile[];
  /** 1200×630 JPEG, present when the spec asked for it. */
  og?: DerivedFile;
  /** Blurred placeholder as a `data:` URL, under 1 KB. */
  lqip: string;
  /** Dominant colour, `#rrggbb`. */
  color: string;
}
