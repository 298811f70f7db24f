import { HeaderforgeError } from '../errors/headerforge-error.js';

/** The optional peer dependency each kind of store loads, and what it is for. */
const PEERS = {
  ioredis: 'A Redis remote',
  aws4fetch: 'An S3 remote',
} as const;

/**
 * Loads a store's client package. ioredis and aws4fetch are optional peer dependencies of
 * `@headerforge/core`: only a site with that kind of remote installs one. When it is
 * missing, the store fails as a store that is down does (a warning, then the local cache),
 * with one line naming the package to add.
 */
export async function importPeer<T>(
  name: keyof typeof PEERS,
  label: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isMissingPackage(error, name)) throw error;
    throw new HeaderforgeError(
      'remote_unavailable',
      `${label}: the ${name} package is not installed (npm install ${name})`,
      {
        cause: error,
        hint: `${PEERS[name]} needs ${name}, an optional peer dependency of @headerforge/core.`,
      },
    );
  }
}

/**
 * Node's "Cannot find package 'ioredis'" for the package itself; a dependency missing
 * inside an installed package names that dependency instead and is reported as it is.
 */
function isMissingPackage(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as NodeJS.ErrnoException;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return new RegExp(`(package|module) '${name}'`).test(String(message));
}
