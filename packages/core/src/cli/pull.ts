import { firstCandidateKey } from '../cache/keys.js';
import type { RemoteCache } from '../cache/remote-cache.js';
import { type ImageStore, openCommittedStore } from '../cache/store.js';
import { fetchHolding } from '../cache/tiered-store.js';
import { type CliIO, withSiteEnv } from './io.js';
import { loadSite } from './load-site.js';
import { planSite } from './plan.js';
import { countedProgress } from './progress.js';
import type { SyncFlags } from './push.js';
import { requireSiteRemote } from './site-remote.js';
import { type SyncEntry, type SyncProgress, syncEntries, syncQueue } from './sync-queue.js';
import { type SyncRow, syncReport } from './sync-report.js';

/**
 * `headerforge pull`: copies into the local cache every image the site's posts need that
 * the remote has, checked exactly as a build checks it. A rejected entry is reported and
 * never written.
 */
export async function pull(flags: SyncFlags, io: CliIO): Promise<number> {
  const site = await loadSite(flags.root, flags.config);
  const env = withSiteEnv(io.env, site.root);
  const { options, posts } = await planSite(site);
  const { settings, remote, failure } = requireSiteRemote(options, env, 'pull');
  try {
    const store = openCommittedStore(options, { trusted: true });
    // Every candidate a post wants and the cache lacks, not only the ones shown.
    const wanted = syncEntries(posts, (candidate) => candidate.status !== 'cached');
    const progress = countedProgress(io, flags.dryRun ? 'checking' : 'pulling', {
      quiet: flags.json,
    });
    let rows: SyncRow[];
    try {
      rows = await pullEntries(wanted, {
        remote,
        store,
        dryRun: flags.dryRun,
        failure,
        onProgress: progress.update,
      });
    } finally {
      progress.finish();
    }
    await store.flush();
    const error = failure();
    const pulled = rows.filter(
      (row) => row.result === 'pulled' || row.result === 'would pull',
    ).length;
    const rejected = rows.filter((row) => row.result.startsWith('rejected')).length;
    io.out(
      syncReport({
        json: flags.json,
        remote: settings.location.label,
        dryRun: flags.dryRun,
        rows,
        counts: {
          pulled,
          rejected,
          alreadyLocal: new Set(
            posts.flatMap((post) =>
              post.candidates.filter((c) => c.status === 'cached').map((c) => c.key),
            ),
          ).size,
        },
        error,
        summary: `${pulled} ${flags.dryRun ? 'to pull' : 'pulled'} from ${settings.location.label} · ${rejected} rejected · ${rows.length - pulled - rejected} not there${flags.dryRun ? ' · dry run: nothing was written' : ''}`,
      }),
    );
    if (error) throw error;
    return rejected > 0 ? 1 : 0;
  } finally {
    await remote.close();
  }
}

/**
 * Fetches each entry from the remote and adopts the hits into `store` (not on a dry run),
 * several prompts at once (see `syncQueue`), a prompt's candidates in order: each image's
 * bytes are held from before they are asked for until they are written. One row per entry
 * fetched, in the entries' order; none is fetched once `failure()` says the remote failed.
 */
export async function pullEntries(
  entries: readonly SyncEntry[],
  {
    remote,
    store,
    dryRun,
    failure,
    onProgress,
  }: {
    remote: RemoteCache;
    store: Pick<ImageStore, 'lookup' | 'adopt'>;
    dryRun: boolean | undefined;
    failure: () => Error | undefined;
    onProgress?: SyncProgress;
  },
): Promise<SyncRow[]> {
  const queue = syncQueue(() => failure() !== undefined);
  let done = 0;
  const pullOne = async ({ key, post, input }: SyncEntry): Promise<SyncRow> => {
    const { found, release } = await fetchHolding(remote, input, queue.holdBytes);
    try {
      let result: string = found.status;
      if (found.status === 'hit') {
        if (!dryRun) {
          // A corrupt local entry is set aside first, as a build would.
          await store.lookup(input);
          await store.adopt(found.sidecar, found.bytes);
        }
        result = dryRun ? 'would pull' : 'pulled';
      }
      if (found.status === 'miss') result = 'not in the remote';
      if (found.status === 'rejected') result = `rejected: ${found.reason}`;
      return { key, post, result };
    } finally {
      release();
    }
  };
  // A prompt's candidates are adopted one after another, the first first: the store lists a
  // candidate in its first image's sidecar. Prompts go at once.
  const prompts = new Map<string, Array<{ entry: SyncEntry; index: number }>>();
  entries.forEach((entry, index) => {
    const first = firstCandidateKey(entry.input);
    const candidates = prompts.get(first) ?? [];
    candidates.push({ entry, index });
    prompts.set(first, candidates);
  });
  const byPrompt = await queue.run(prompts.values(), async (candidates) => {
    const rows: Array<{ row: SyncRow; index: number }> = [];
    const inOrder = candidates.toSorted(
      (a, b) => (a.entry.input.candidate ?? 1) - (b.entry.input.candidate ?? 1),
    );
    for (const { entry, index } of inOrder) {
      if (failure()) break;
      rows.push({ row: await pullOne(entry), index });
      onProgress?.(++done, entries.length);
    }
    return rows;
  });
  // In the entries' order.
  return byPrompt
    .flat()
    .sort((a, b) => a.index - b.index)
    .map(({ row }) => row);
}
