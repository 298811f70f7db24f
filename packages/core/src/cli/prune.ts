import { readdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CliIO } from './io.js';
import { loadSite } from './load-site.js';
import { planSite } from './plan.js';
import { table } from './table.js';

interface Entry {
  key: string;
  files: string[];
  bytes: number;
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
  const used = new Set(posts.map((post) => post.key));
  const unused = (await listEntries(options.cacheDir)).filter((entry) => !used.has(entry.key));
  const total = unused.reduce((sum, entry) => sum + entry.bytes, 0);
  if (!flags.dryRun) {
    for (const entry of unused) {
      // The sidecar goes first: an image without one is recovered, never the reverse.
      const sidecars = entry.files.filter((file) => file.endsWith('.json'));
      const images = entry.files.filter((file) => !file.endsWith('.json'));
      for (const file of [...sidecars, ...images]) await rm(file, { force: true });
      await rmdir(join(options.cacheDir, entry.key.slice(0, 2))).catch(() => {});
    }
  }
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

async function listEntries(cacheDir: string): Promise<Entry[]> {
  const entries = new Map<string, Entry>();
  for (const shard of await readdir(cacheDir).catch(() => [] as string[])) {
    if (!/^[0-9a-f]{2}$/.test(shard)) continue;
    for (const name of await readdir(join(cacheDir, shard))) {
      const match = /^([0-9a-f]{64})\.(json|png|jpg|webp|gif|avif)$/.exec(name);
      if (!match) continue;
      const key = match[1] as string;
      const file = join(cacheDir, shard, name);
      const entry = entries.get(key) ?? { key, files: [], bytes: 0, prompt: '' };
      entry.files.push(file);
      entry.bytes += (await stat(file)).size;
      if (name.endsWith('.json')) entry.prompt = await sidecarPrompt(file);
      entries.set(key, entry);
    }
  }
  return [...entries.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
}

async function sidecarPrompt(file: string): Promise<string> {
  try {
    return String((JSON.parse(await readFile(file, 'utf8')) as { prompt?: unknown }).prompt ?? '');
  } catch {
    return '(unreadable sidecar)';
  }
}

const excerpt = (text: string) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 60 ? `${line.slice(0, 60)}…` : line;
};
