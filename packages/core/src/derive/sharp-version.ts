import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
let installed: string | undefined;

/**
 * The installed sharp's version (what `sharp.versions.sharp` says). Every warm lookup needs
 * it for the derivative key, while loading sharp (its native binding and libvips, ~30 ms)
 * is only for derivation: so it is read from sharp's package.json, found in the folders
 * Node searches for `sharp` from here.
 */
export function installedSharpVersion(): string {
  installed ??= installedVersion('sharp') ?? loadedVersion();
  return installed;
}

/**
 * A dependency's version from its package.json, in the first of the folders Node searches
 * for `name` from here that has one; undefined when none does (or it names another package).
 */
export function installedVersion(name: string): string | undefined {
  // Not `require.resolve(name)`: a package's `exports` may list no package.json (sharp's
  // does not), and a resolve hook (a bundler's, a test's) may answer with a module of its own.
  for (const folder of require.resolve.paths(name) ?? []) {
    const manifest = readManifest(join(folder, name, 'package.json'));
    if (manifest) return manifest.name === name ? manifest.version : undefined;
  }
  return undefined;
}

/** Where sharp is not a folder on disk (Yarn's Plug'n'Play): from sharp itself. */
function loadedVersion(): string {
  return (require('sharp') as { versions: { sharp: string } }).versions.sharp;
}

function readManifest(file: string): { name?: unknown; version: string } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const manifest = JSON.parse(text) as { name?: unknown; version?: unknown };
  return typeof manifest.version === 'string'
    ? { name: manifest.name, version: manifest.version }
    : undefined;
}
