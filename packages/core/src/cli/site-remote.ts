import type { RemoteCache } from '../cache/remote-cache.js';
import { openRemote } from '../cache/remote-cache.js';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { type RemoteSettings, resolveRemote } from '../remote/settings.js';
import type { ResolvedHeaderforgeOptions } from '../site/options.js';

export interface SiteRemote {
  settings: RemoteSettings;
  remote: RemoteCache;
  /** The first failure, if the remote failed: the command reports it and exits 1. */
  failure(): HeaderforgeError | undefined;
}

/** The site's remote cache for a command, or undefined when the site has none. */
export function openSiteRemote(
  options: ResolvedHeaderforgeOptions,
  env: NodeJS.ProcessEnv,
): SiteRemote | undefined {
  const settings = resolveRemote(options, env);
  if (!settings) return undefined;
  let failure: HeaderforgeError | undefined;
  const remote = openRemote(settings, env, (error) => {
    failure = error;
  });
  return { settings, remote, failure: () => failure };
}

/** For `push` and `pull`, which mean nothing without a remote. */
export function requireSiteRemote(
  options: ResolvedHeaderforgeOptions,
  env: NodeJS.ProcessEnv,
  command: string,
): SiteRemote {
  const opened = openSiteRemote(options, env);
  if (!opened) {
    throw new HeaderforgeError(
      'invalid_option',
      `headerforge ${command} needs a remote cache, and this site has none`,
      {
        hint: 'Set the remote option (s3://… or redis://…) or HEADERFORGE_REMOTE; the README’s “Teams and CI” section shows how.',
      },
    );
  }
  return opened;
}
