import { HeaderforgeError } from '../errors/headerforge-error.js';
import type { ResolvedHeaderforgeOptions } from '../site/options.js';
import { openSiteRemote, type SiteRemote } from '../site/site-remote.js';

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
