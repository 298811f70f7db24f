import type { RemoteCache } from '../cache/remote-cache.js';
import { resolveRemote } from '../remote/settings.js';
import type { HeadersEvent } from './build-headers.js';
import type { ResolvedHeaderforgeOptions } from './options.js';

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
  // Most sites have no remote: its client code is then never loaded.
  if (!resolveRemote(options, env)) return work(undefined);
  const { openSiteRemote } = await import('./site-remote.js');
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
