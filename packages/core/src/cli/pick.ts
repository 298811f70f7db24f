import { HeaderforgeError } from '../errors/headerforge-error.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { setHeaderKeys } from '../site/frontmatter-edit.js';
import { MAX_CANDIDATES } from '../site/options.js';
import type { CliIO } from './io.js';
import { type LoadedSite, loadSite } from './load-site.js';
import { choiceOf, findPost, type PostChoice } from './post-header.js';

/**
 * Records which candidate a post shows: `pick: K` in its header, the rest of the file
 * untouched. The pick must be one of the candidates the post has; raising `candidates` is
 * a separate, paid, decision.
 */
export async function pickCandidate(
  site: LoadedSite,
  post: string,
  k: string,
): Promise<PostChoice & { file: string }> {
  const label = `pick ${post} ${k}`;
  const pick = /^\d+$/.test(k.trim()) ? Number(k) : Number.NaN;
  if (!(pick >= 1 && pick <= MAX_CANDIDATES)) {
    throw new HeaderforgeError(
      'invalid_option',
      `${label}: K must be an integer from 1 to ${MAX_CANDIDATES}, the candidate to show`,
      { hint: `Candidates count from 1: \`headerforge pick ${post} 2\` shows the second.` },
    );
  }
  const found = await findPost(site, post, label);
  // The editor's error first: a post without a header has no candidates to count.
  const edited = setHeaderKeys(found.source, found.options.field, { pick }, { file: found.file });
  const { candidates } = choiceOf(found.header, found.options);
  if (pick > candidates) {
    throw new HeaderforgeError(
      'invalid_option',
      `${found.file}: cannot pick ${pick}, the post has ${candidates} candidate${candidates === 1 ? '' : 's'}`,
      {
        hint: `Raise candidates first: \`candidates: ${pick}\` in its header (or the site's \`candidates\` option), or \`headerforge reroll ${found.file} --candidates ${pick}\` for new ones; then \`headerforge generate\`.`,
      },
    );
  }
  await writeFileAtomic(found.path, edited);
  return { file: found.file, candidates, pick };
}

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
