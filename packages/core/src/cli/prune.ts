import { openCommittedStore, type StoredEntry } from '../cache/store.js';
import type { CliIO } from './io.js';
import { loadSite } from './load-site.js';
import { planSite } from './plan.js';
import { table } from './table.js';

interface Entry extends StoredEntry {
  prompt: string;
}

const megabytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MB`;

/**
 * `headerforge prune`: removes committed cache entries that no post uses any more. Never
 * run by a build: an image a post stopped using may be wanted back (an undone edit).
 */
export async function prune(
  flags: { root: string; config?: string; json?: boolean; dryRun?: boolean },
  io: CliIO,
): Promise<number> {
  const { options, posts } = await planSite(await loadSite(flags.root, flags.config));
  // Every candidate a post wants is in use, shown or not: it was paid for and may be picked.
  const used = new Set(posts.flatMap((post) => post.candidates.map((candidate) => candidate.key)));
  const store = openCommittedStore(options, { readOnly: true });
  const unused: Entry[] = [];
  for (const entry of (await store.list()).entries) {
    if (used.has(entry.key)) continue;
    const read = await store.readSidecar(entry);
    const prompt = 'sidecar' in read ? read.sidecar.prompt : '(unreadable sidecar)';
    unused.push({ ...entry, prompt: entry.sidecarFile ? prompt : '' });
  }
  const total = unused.reduce((sum, entry) => sum + entry.bytes, 0);
  if (!flags.dryRun) for (const entry of unused) await store.remove(entry);
  if (flags.json) {
    io.out(
      JSON.stringify(
        {
          dryRun: Boolean(flags.dryRun),
          removed: unused.map(({ key, bytes, prompt }) => ({ key, bytes, prompt })),
          bytes: total,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  if (unused.length === 0) {
    io.out('Every cache entry is used by a post: nothing to prune.');
    return 0;
  }
  io.out(
    table(
      ['key', 'size', 'prompt'],
      unused.map((entry) => [
        entry.key.slice(0, 12),
        megabytes(entry.bytes),
        excerpt(entry.prompt),
      ]),
    ),
  );
  const verb = flags.dryRun ? 'Would remove' : 'Removed';
  io.out(
    `\n${verb} ${unused.length} unused entr${unused.length === 1 ? 'y' : 'ies'}, ${megabytes(total)}${flags.dryRun ? ' (dry run: nothing was deleted)' : ''}`,
  );
  return 0;
}

const excerpt = (text: string) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 60 ? `${line.slice(0, 60)}…` : line;
};
