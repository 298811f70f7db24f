import { openRemote, type RemoteCache } from '../cache/remote-cache.js';
import type { HeaderforgeError } from '../errors/headerforge-error.js';
import { type RemoteSettings, resolveRemote } from '../remote/settings.js';
import type { HeadersEvent } from './build-headers.js';
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

/**
 * Runs `work` with the site's remote cache open (if it has one), and closes it afterwards
 * so that its connection never keeps the process alive. A remote that fails is reported
 * once, as a warning: the build goes on with the local cache and generation.
 */
export async function withRemote<T>(
  options: ResolvedHeaderforgeOptions,
  env: NodeJS.ProcessEnv,
  emit: (event: HeadersEvent) => void,
  work: (remote: RemoteCache | undefined) => Promise<T>,
): Promise<T> {
  const opened = openSiteRemote(options, env, (error) =>
    emit({
      type: 'warning',
      message: `remote cache unavailable: ${error.message}. Carrying on with the local cache and generating; no more remote calls in this run.${error.hint ? ` (${error.hint})` : ''}`,
    }),
  );
  if (!opened) return work(undefined);
  const { location, readOnly } = opened.settings;
  emit({ type: 'remote', label: location.label, readOnly });
  try {
    return await work(opened.remote);
  } finally {
    await opened.remote.close();
  }
}
