import { HeaderforgeError } from '../errors/headerforge-error.js';
import { type RemoteLocation, redactRemoteUrl, remoteUrlSchema } from './url.js';

/** How long one call to a remote store may take, connection included, unless set. */
export const DEFAULT_REMOTE_TIMEOUT_MS = 5000;

export interface RemoteSettings {
  location: RemoteLocation;
  readOnly: boolean;
  timeoutMs: number;
  /** Where the URL came from, for messages. */
  source: 'HEADERFORGE_REMOTE' | 'the remote option';
}

/**
 * The remote cache a site uses. As with OPENROUTER_BASE_URL, the environment beats the
 * config, so CI can point a build at a store, or make it read-only for pull requests,
 * without editing the site: `HEADERFORGE_REMOTE` (a URL, or `off`) and
 * `HEADERFORGE_REMOTE_READONLY` (`1`/`true`, `0`/`false`).
 */
export function resolveRemote(
  options: { remote?: { url: string; readOnly: boolean; timeoutMs: number } | undefined },
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
    timeoutMs: options.remote?.timeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS,
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
