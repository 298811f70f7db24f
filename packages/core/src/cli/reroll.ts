import { rerollPost } from '../site/post-edits.js';
import type { CliIO } from './io.js';
import { loadSite } from './load-site.js';

/** `headerforge reroll POST`: records a new seed (and candidates); generates nothing. */
export async function reroll(
  flags: { root: string; config?: string; json?: boolean; post: string; candidates?: number },
  io: CliIO,
): Promise<number> {
  const site = await loadSite(flags.root, flags.config);
  const result = await rerollPost(site, flags.post, {
    ...(flags.candidates === undefined ? {} : { candidates: flags.candidates }),
    label: `reroll ${flags.post}`,
  });
  if (flags.json) {
    io.out(JSON.stringify(result, null, 2));
    return 0;
  }
  const choice =
    flags.candidates === undefined ? '' : `, ${result.candidates} candidates, pick ${result.pick}`;
  io.out(
    `${result.file}: seed is now ${result.seed}${choice} (recorded in its frontmatter); \`headerforge generate\` or the next build makes the image`,
  );
  return 0;
}
