import { openCommittedStore } from '../cache/store.js';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { type CliIO, withSiteEnv } from './io.js';
import { loadSite } from './load-site.js';
import { planSite } from './plan.js';
import { requireSiteRemote } from './site-remote.js';
import { type SyncRow, syncReport } from './sync-report.js';

export interface SyncFlags {
  root: string;
  config?: string;
  json?: boolean;
  dryRun?: boolean;
}

/**
 * `headerforge push`: uploads the site's cached images that the remote does not have.
 * Like a build's write-back it only creates entries, never overwrites one.
 */
export async function push(flags: SyncFlags, io: CliIO): Promise<number> {
  const site = await loadSite(flags.root, flags.config);
  const env = withSiteEnv(io.env, site.root);
  const { options, posts } = await planSite(site);
  const { settings, remote, failure } = requireSiteRemote(options, env, 'push');
  try {
    if (settings.readOnly) {
      throw new HeaderforgeError(
        'invalid_option',
        `The remote cache ${settings.location.label} is read-only here, so nothing can be pushed`,
        {
          hint: 'Push from a trusted machine or CI job, without readOnly / HEADERFORGE_REMOTE_READONLY.',
        },
      );
    }
    const present = await remote.keys();
    const store = openCommittedStore(options, { readOnly: true });
    // Every cached candidate of every post, not only the ones shown.
    const byKey = new Map(
      posts.flatMap((post) =>
        post.candidates
          .filter((candidate) => candidate.status === 'cached')
          .map((candidate) => [candidate.key, { post, input: candidate.input }] as const),
      ),
    );
    const rows: SyncRow[] = [];
    if (present) {
      for (const [key, { post, input }] of byKey) {
        if (present.has(key)) continue;
        let result = 'would upload';
        if (!flags.dryRun) {
          const found = await store.lookup(input);
          if (found.status !== 'hit') result = 'not in the local cache';
          else result = await remote.publish(found.entry.sidecar, await store.read(found.entry));
        }
        rows.push({
          key,
          post: post.job.file,
          result: result === 'exists' ? 'already there' : result,
        });
        if (failure()) break;
      }
    }
    const error = failure();
    const uploaded = rows.filter((row) => row.result === 'written').length;
    io.out(
      syncReport({
        json: flags.json,
        remote: settings.location.label,
        dryRun: flags.dryRun,
        rows,
        counts: { uploaded, alreadyThere: byKey.size - rows.length },
        error,
        summary: `${flags.dryRun ? `${rows.length} to upload` : `${uploaded} uploaded`} to ${settings.location.label} · ${byKey.size - rows.length} already there${flags.dryRun ? ' · dry run: nothing was uploaded' : ''}`,
      }),
    );
    if (error) throw error;
    return 0;
  } finally {
    await remote.close();
  }
}
