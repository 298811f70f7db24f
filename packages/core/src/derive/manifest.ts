import { basename, sep } from 'node:path';
import { z } from 'zod';
import type { DerivedFile, DerivedSet } from './derived-set.js';

export const MANIFEST_FILE = 'manifest.json';

/**
 * `manifest.json`: the set with file names relative to its folder, written last. Built on
 * first use (`z.lazy`): a warm build recalls its sets from the warm index and reads none.
 */
const ManifestSchema = z.lazy(() => {
  // A bare name: a tampered manifest must not point the site at a file outside its folder.
  const entry = z.object({
    file: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
    width: z.int().positive(),
    height: z.int().positive(),
    format: z.enum(['png', 'avif', 'webp', 'jpeg']),
    bytes: z.int().nonnegative(),
  });
  return z.object({
    key: z.string().regex(/^[0-9a-f]{64}$/),
    master: entry,
    variants: z.array(entry),
    og: entry.optional(),
    lqip: z.string().startsWith('data:image/'),
    color: z.string().regex(/^#[0-9a-f]{6}$/),
  });
});
export type Manifest = z.infer<typeof ManifestSchema>;

/** The manifest for files written into one folder. */
export function toManifest(key: string, set: Omit<DerivedSet, 'key'>): Manifest {
  const entry = ({ file, width, height, format, bytes }: DerivedFile) => ({
    file: basename(file),
    width,
    height,
    format,
    bytes,
  });
  return {
    key,
    master: entry(set.master),
    variants: set.variants.map(entry),
    ...(set.og ? { og: entry(set.og) } : {}),
    lqip: set.lqip,
    color: set.color,
  };
}

/** A manifest's set with absolute paths inside `dir` (an absolute, normalised path). */
export function fromManifest(manifest: Manifest, dir: string): DerivedSet {
  // `dir` is normalised and a name is a bare file name, so this is `join(dir, name)`, made
  // without `join`'s character-by-character rebuild: a warm build of 10,000 posts makes
  // 150,000 of these paths, and each then costs a few bytes beside the shared folder.
  const prefix = dir.endsWith(sep) ? dir : `${dir}${sep}`;
  const entry = (e: Manifest['master']): DerivedFile => ({ ...e, file: `${prefix}${e.file}` });
  return {
    key: manifest.key,
    master: entry(manifest.master),
    variants: manifest.variants.map(entry),
    ...(manifest.og ? { og: entry(manifest.og) } : {}),
    lqip: manifest.lqip,
    color: manifest.color,
  };
}

/** Every file a manifest lists. */
export function manifestEntries(manifest: Manifest): Manifest['master'][] {
  return [manifest.master, ...manifest.variants, ...(manifest.og ? [manifest.og] : [])];
}

/** The manifest in `text` if it is one for `key`; anything else means "derive again". */
export function parseManifest(text: string, key: string): Manifest | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = ManifestSchema.safeParse(json);
  return parsed.success && parsed.data.key === key ? parsed.data : undefined;
}
