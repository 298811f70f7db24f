import { readFileSync } from 'node:fs';

let version: string | undefined;

/** How many folders up from this module its package.json may be (src/site/, dist/chunks/, …). */
const MAX_DEPTH = 3;

/**
 * This package's version, from its package.json (found up the folders from this module, which
 * sits at a different depth in `src` and in each bundled file of `dist`): `headerforge
 * --version` prints it, and a known header is remade on an upgrade. Where it cannot be read
 * (bundled into something else) it is `unknown`: a whole header is then still remade whenever
 * the site's settings or sharp change, only not on an upgrade.
 */
export function headerforgeVersion(): string {
  if (version === undefined) {
    version = 'unknown';
    for (let depth = 1; depth <= MAX_DEPTH; depth++) {
      const file = new URL(`${'../'.repeat(depth)}package.json`, import.meta.url);
      let manifest: { name?: unknown; version?: unknown };
      try {
        manifest = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        continue;
      }
      if (manifest.name !== '@headerforge/core') continue;
      version = String(manifest.version);
      break;
    }
  }
  return version;
}
