import { HeaderforgeError } from '../errors.js';
import type { ResolvedHeaderforgeOptions } from '../options.js';
import type { RemoteBackend } from './backend.js';
import { createRedisBackend } from './redis-backend.js';
import { createRemoteCache, type RemoteCache } from './remote-cache.js';
import { type RemoteLocation, redactRemoteUrl, remoteUrlSchema } from './remote-url.js';
import { createS3Backend } from './s3-backend.js';

export interface RemoteSettings {
  location: RemoteLocation;
  readOnly: boolean;
  timeoutMs: number;
  /** Where the URL came from, for messages. */
  source: 'HEADERFORGE_REMOTE' | 'the remote option';
}

/** A lease not refreshed for this long is abandoned (its holder refreshes every third of it). */
const LEASE_TTL_MS = 30_000;
const LEASE_POLL_MS = 250;

/**
 * The remote cache a site uses. As with OPENROUTER_BASE_URL, the environment beats the
 * config, so CI can point a build at a store, or make it read-only for pull requests,
 * without editing the site: `HEADERFORGE_REMOTE` (a URL, or `off`) and
 * `HEADERFORGE_REMOTE_READONLY` (`1`/`true`, `0`/`false`).
 */
export function resolveRemote(
  options: Pick<ResolvedHeaderforgeOptions, 'remote'>,
  env: NodeJS.ProcessEnv,
): RemoteSettings | undefined {
  const fromEnv = env.HEADERFORGE_REMOTE?.trim();
  if (fromEnv === 'off') return undefined;
  const url = fromEnv || options.remote?.url;
  if (!url) return undefined;
  const source = fromEnv ? 'HEADERFORGE_REMOTE' : 'the remote option';
  const parsed = remoteUrlSchema.safeParse(url);
  if (!parsed.success) {
    throw new HeaderforgeError(
      'invalid_option',
      `${source} (${JSON.stringify(redactRemoteUrl(url))}): ${parsed.error.issues[0]?.message}`,
      {
        hint: 'The README’s “Teams and CI” section shows S3 and Redis URLs; HEADERFORGE_REMOTE=off turns the remote off.',
      },
    );
  }
  return {
    location: parsed.data,
    readOnly: readOnlyFromEnv(env) ?? options.remote?.readOnly ?? false,
    timeoutMs: options.remote?.timeoutMs ?? 5000,
    source,
  };
}

function readOnlyFromEnv(env: NodeJS.ProcessEnv): boolean | undefined {
  const value = env.HEADERFORGE_REMOTE_READONLY?.trim().toLowerCase();
  if (!value) return undefined;
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  throw new HeaderforgeError(
    'invalid_option',
    `HEADERFORGE_REMOTE_READONLY="${value}" is not a yes or no; expected 1, true, 0 or false`,
    { hint: 'Set HEADERFORGE_REMOTE_READONLY=1 for builds that must not write (pull requests).' },
  );
}

export function openRemote(
  settings: RemoteSettings,
  env: NodeJS.ProcessEnv,
  onUnavailable?: (error: HeaderforgeError) => void,
): RemoteCache {
  const backendOptions = { env, timeoutMs: settings.timeoutMs };
  const backend: RemoteBackend =
    settings.location.kind === 's3'
      ? createS3Backend(settings.location, backendOptions)
      : createRedisBackend(settings.location, backendOptions);
  return createRemoteCache(backend, {
    readOnly: settings.readOnly,
    timeoutMs: settings.timeoutMs,
    leaseTtlMs: LEASE_TTL_MS,
    pollMs: LEASE_POLL_MS,
    ...(onUnavailable ? { onUnavailable } : {}),
  });
}
