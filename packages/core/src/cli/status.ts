import type { CliIO } from './io.js';
import { loadSite } from './load-site.js';
import { planSite } from './plan.js';
import { table, usd } from './table.js';

/** `headerforge status`: every post with a header, and whether its image is cached. */
export async function status(
  flags: { root: string; config?: string; json?: boolean },
  io: CliIO,
): Promise<number> {
  const { posts } = await planSite(await loadSite(flags.root, flags.config));
  const recorded = posts.reduce((sum, post) => sum + (post.costUsd ?? 0), 0);
  if (flags.json) {
    io.out(
      JSON.stringify(
        {
          posts: posts.map((post) => ({
            file: post.job.file,
            status: post.status,
            key: post.key,
            model: post.job.model,
            imageSize: post.job.imageSize,
            costUsd: post.costUsd ?? null,
          })),
          costUsd: recorded,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  io.out(
    table(
      ['post', 'status', 'key', 'model', 'size', 'cost'],
      posts.map((post) => [
        post.job.file,
        post.status,
        post.key.slice(0, 12),
        post.job.model,
        post.job.imageSize,
        usd(post.costUsd),
      ]),
    ),
  );
  const missing = posts.filter((post) => post.status !== 'cached').length;
  io.out(
    `\n${posts.length} posts · ${posts.length - missing} cached · ${missing} not cached · ${usd(recorded)} recorded`,
  );
  return 0;
}
