import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let installed: string | undefined;

/**
 * The installed sharp's version (what `sharp.versions.sharp` says), read from its
 * package.json: every warm lookup needs it for the derivative key, and loading sharp itself
 * (its native binding and libvips, ~30 ms) is for derivation only.
 */
export function installedSharpVersion(): string {
  installed ??= readSharpVersion();
  return installed;
}

function readSharpVersion(): string {
  // sharp's `exports` does not list its package.json: found from its entry point instead.
  let dir = dirname(createRequire(import.meta.url).resolve('sharp'));
  for (;;) {
    const manifest = readManifest(join(dir, 'package.json'));
    if (manifest?.name === 'sharp' && typeof manifest.version === 'string') return manifest.version;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Cannot find the package.json of the installed sharp');
    dir = parent;
  }
}

function readManifest(file: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
