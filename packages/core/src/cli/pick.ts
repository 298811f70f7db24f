import { pickCandidate } from '../site/post-edits.js';
import type { CliIO } from './io.js';
import { type LoadedSite, loadSite } from './load-site.js';
import { type ImageStatus, planSite } from './plan.js';

/**
 * `headerforge pick POST K`: prints `posts/hello.md: pick 2 of 3`, and on stderr, when that
 * candidate is not in the committed cache yet, that the next generate pays for it (a build
 * without a key cannot show it).
 */
export async function pick(
  flags: { root: string; config?: string; json?: boolean; post: string; k: string },
  io: CliIO,
): Promise<number> {
  const site = await loadSite(flags.root, flags.config);
  const result = await pickCandidate(site, flags.post, flags.k);
  const status = await pickedStatus(site, result.file, result.pick);
  io.out(
    flags.json
      ? JSON.stringify(
          { ...result, ...(status === undefined ? {} : { cached: status === 'cached' }) },
          null,
          2,
        )
      : `${result.file}: pick ${result.pick} of ${result.candidates}`,
  );
  if (status !== undefined && status !== 'cached') {
    io.err(
      `headerforge: candidate ${result.pick} of ${result.file} is not in the cache yet${status === 'placeholder' ? ' (only its offline placeholder art is)' : ''}: \`headerforge generate\` makes it (one image, paid). Until then a build without a key shows placeholder art, and fails in CI.`,
    );
  }
  return 0;
}

/**
 * Where the picked image stands, judged as `status` judges it (sizes and sidecars), or
 * undefined when the site cannot be planned: the pick is written by then, and the next
 * build reports what stops it.
 */
async function pickedStatus(
  site: LoadedSite,
  file: string,
  picked: number,
): Promise<ImageStatus | undefined> {
  try {
    const { posts } = await planSite(site, { sizesOnly: true }, [file]);
    return posts[0]?.candidates[picked - 1]?.status;
  } catch {
    return undefined;
  }
}
