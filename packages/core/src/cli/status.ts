import { openSiteRemote } from '../site/site-remote.js';
import type { CliIO } from './io.js';
import { withSiteEnv } from './io.js';
import { loadSite } from './load-site.js';
import { planSite } from './plan.js';
import { table, usd } from './table.js';

/**
 * `headerforge status`: every post with a header, whether its image is cached, and, when
 * the site has a remote cache, whether the remote has it (one listing, not one call per post).
 */
export async function status(
  flags: { root: string; config?: string; json?: boolean },
  io: CliIO,
): Promise<number> {
  const site = await loadSite(flags.root, flags.config);
  // An overview, so each image is judged by its size and sidecar; `doctor` hashes every byte.
  const { options, posts } = await planSite(site, { sizesOnly: true });
  // How many images each post has to choose from (every one cached or not), and which it shows.
  const choice = (i: number) => {
    const post = posts[i] as (typeof posts)[number];
    return { candidates: post.candidates.length, pick: post.job.pick ?? 1 };
  };
  const opened = openSiteRemote(options, withSiteEnv(io.env, site.root));
  const inRemote = opened
    ? await opened.remote.keys().finally(() => opened.remote.close())
    : undefined;
  const remoteOf = (key: string) => (inRemote ? inRemote.has(key) : null);
  // What the cached images cost, each once: every candidate, shown or not, and an image
  // that several posts share counted once.
  const costs = new Map(
    posts.flatMap((post) => post.candidates.map((c) => [c.key, c.costUsd ?? 0] as const)),
  );
  const recorded = [...costs.values()].reduce((sum, cost) => sum + cost, 0);
  const remoteError = opened?.failure();
  if (flags.json) {
    io.out(
      JSON.stringify(
        {
          posts: posts.map((post, i) => ({
            file: post.job.file,
            status: post.status,
            key: post.key,
            model: post.job.model,
            imageSize: post.job.imageSize,
            costUsd: post.costUsd ?? null,
            // true / false, or null when there is no remote or it could not be listed.
            remote: remoteOf(post.key),
            // How many images to choose from, and which one (from 1) the post shows.
            candidates: choice(i).candidates,
            pick: choice(i).pick,
          })),
          costUsd: recorded,
          remote: opened
            ? {
                url: opened.settings.location.label,
                readOnly: opened.settings.readOnly,
                error: remoteError?.message ?? null,
              }
            : null,
        },
        null,
        2,
      ),
    );
    return remoteError ? 1 : 0;
  }
  const withRemote = opened !== undefined;
  io.out(
    table(
      ['post', 'status', ...(withRemote ? ['remote'] : []), 'key', 'model', 'size', 'cost', 'pick'],
      posts.map((post, i) => [
        post.job.file,
        post.status,
        ...(withRemote ? [inRemote ? (inRemote.has(post.key) ? 'yes' : 'no') : '?'] : []),
        post.key.slice(0, 12),
        post.job.model,
        post.job.imageSize,
        usd(post.costUsd),
        `${choice(i).pick}/${choice(i).candidates}`,
      ]),
    ),
  );
  const missing = posts.filter((post) => post.status !== 'cached').length;
  const remoteLine = inRemote
    ? ` · ${posts.filter((post) => inRemote.has(post.key)).length} in ${opened?.settings.location.label}`
    : '';
  io.out(
    `\n${posts.length} posts · ${posts.length - missing} cached · ${missing} not cached${remoteLine} · ${usd(recorded)} recorded`,
  );
  if (remoteError) {
    io.err(`headerforge: ${remoteError.message}`);
    if (remoteError.hint) io.err(`  hint: ${remoteError.hint}`);
    return 1;
  }
  return 0;
}
