import { pickCandidate } from '../site/post-edits.js';
import type { CliIO } from './io.js';
import { loadSite } from './load-site.js';

/** `headerforge pick POST K`: prints `posts/hello.md: pick 2 of 3`. */
export async function pick(
  flags: { root: string; config?: string; json?: boolean; post: string; k: string },
  io: CliIO,
): Promise<number> {
  const site = await loadSite(flags.root, flags.config);
  const result = await pickCandidate(site, flags.post, flags.k);
  io.out(
    flags.json
      ? JSON.stringify(result, null, 2)
      : `${result.file}: pick ${result.pick} of ${result.candidates}`,
  );
  return 0;
}
