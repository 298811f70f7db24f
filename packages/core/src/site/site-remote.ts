import { openRemote, type RemoteCache } from '../cache/remote-cache.js';
import type { HeaderforgeError } from '../errors/headerforge-error.js';
import { type RemoteSettings, resolveRemote } from '../remote/settings.js';
import type { ResolvedHeaderforgeOptions } from './options.js';

export interface SiteRemote {
  settings: RemoteSettings;
  remote: RemoteCache;
  /** The first failure, if the remote failed (from then on it makes no more calls). */
  failure(): HeaderforgeError | undefined;
}

/** The site's shared remote cache, as its options and environment say; undefined without one. */
export function openSiteRemote(
  options: ResolvedHeaderforgeOptions,
  env: NodeJS.ProcessEnv,
  onUnavailable?: (error: HeaderforgeError) => void,
): SiteRemote | undefined {
  const settings = resolveRemote(options, env);
  if (!settings) return undefined;
  let failure: HeaderforgeError | undefined;
  const remote = openRemote(settings, env, (error) => {
    failure = error;
    onUnavailable?.(error);
  });
  return { settings, remote, failure: () => failure };
}
