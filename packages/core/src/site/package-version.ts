import { readFileSync } from 'node:fs';

let version: string | undefined;

/**
 * This package's version, from its package.json (two folders up, from `src` and from
 * `dist`): `headerforge --version` prints it, and a known header is remade on an upgrade.
 * Where it cannot be read (bundled into something else) it is `unknown`: a whole header is
 * then still remade whenever the site's settings or sharp change, only not on an upgrade.
 */
export function headerforgeVersion(): string {
  if (version === undefined) {
    try {
      const file = new URL('../../package.json', import.meta.url);
      version = String((JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version);
    } catch {
      version = 'unknown';
    }
  }
  return version;
}
