import type { RemoteCache } from '../cache/remote-cache.js';
import { type ImageStore, openCommittedStore } from '../cache/store.js';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { type CliIO, withSiteEnv } from './io.js';
import { loadSite } from './load-site.js';
import { planSite } from './plan.js';
import { countedProgress } from './progress.js';
import { requireSiteRemote } from './site-remote.js';
import { type SyncEntry, type SyncProgress, syncEntries, syncQueue } from './sync-queue.js';
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
    const cached = syncEntries(posts, (candidate) => candidate.status === 'cached');
    const progress = countedProgress(io, 'uploading', { quiet: flags.json || flags.dryRun });
    let rows: SyncRow[] = [];
    try {
      if (present) {
        rows = await pushEntries(cached, {
          remote,
          store,
          present,
          dryRun: flags.dryRun,
          failure,
          onProgress: progress.update,
        });
      }
    } finally {
      progress.finish();
    }
    const error = failure();
    const uploaded = rows.filter((row) => row.result === 'written').length;
    io.out(
      syncReport({
        json: flags.json,
        remote: settings.location.label,
        dryRun: flags.dryRun,
        rows,
        counts: { uploaded, alreadyThere: cached.length - rows.length },
        error,
        summary: `${flags.dryRun ? `${rows.length} to upload` : `${uploaded} uploaded`} to ${settings.location.label} · ${cached.length - rows.length} already there${flags.dryRun ? ' · dry run: nothing was uploaded' : ''}`,
      }),
    );
    if (error) throw error;
    return 0;
  } finally {
    await remote.close();
  }
}

/**
 * Uploads each entry the remote lacks from `store` (not on a dry run), several at once (see
 * `syncQueue`): each image's bytes are held from before they are read until uploaded. One
 * row per entry the remote lacks, in the entries' order; none is uploaded once `failure()`
 * says the remote failed.
 */
export async function pushEntries(
  entries: readonly SyncEntry[],
  {
    remote,
    store,
    present,
    dryRun,
    failure,
    onProgress,
  }: {
    remote: RemoteCache;
    store: Pick<ImageStore, 'lookup' | 'read'>;
    /** The keys the remote has. */
    present: ReadonlySet<string>;
    dryRun: boolean | undefined;
    failure: () => Error | undefined;
    onProgress?: SyncProgress;
  },
): Promise<SyncRow[]> {
  const queue = syncQueue(() => failure() !== undefined);
  const missing = entries.filter(({ key }) => !present.has(key));
  let done = 0;
  const upload = async ({ key, post, input }: SyncEntry): Promise<SyncRow> => {
    if (dryRun) return { key, post, result: 'would upload' };
    const found = await store.lookup(input);
    if (found.status !== 'hit') return { key, post, result: 'not in the local cache' };
    const release = await queue.holdBytes(found.entry.sidecar.bytes);
    try {
      const result = await remote.publish(found.entry.sidecar, await store.read(found.entry));
      return { key, post, result: result === 'exists' ? 'already there' : result };
    } finally {
      release();
    }
  };
  // Each candidate is an entry of its own at the remote: all go at once.
  return queue.run(missing, async (entry) => {
    const row = await upload(entry);
    onProgress?.(++done, missing.length);
    return row;
  });
}
