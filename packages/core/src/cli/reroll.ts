import { HeaderforgeError } from '../errors/headerforge-error.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { type HeaderValues, setHeaderKeys } from '../site/frontmatter-edit.js';
import { CANDIDATES_EXPECTED, candidatesSchema, MAX_CANDIDATES } from '../site/options.js';
import type { CliIO } from './io.js';
import { type LoadedSite, loadSite } from './load-site.js';
import { choiceOf, findPost, type PostChoice } from './post-header.js';

export interface Rerolled extends PostChoice {
  file: string;
  seed: number;
}

/**
 * Asks for a new image for the same prompt by raising the post's `seed` in its own
 * frontmatter: the key changes, so the new image is generated and cached, and the choice
 * is recorded in the post (a teammate's build gets the same image). The old image stays
 * cached until `headerforge prune`. `candidates` also sets how many to choose from; the
 * pick, if the post has one, goes back to the first (the old pick named an old image).
 */
export async function rerollPost(
  site: LoadedSite,
  post: string,
  options: { candidates?: number; label?: string } = {},
): Promise<Rerolled> {
  const label = options.label ?? `--reroll ${post}`;
  const { candidates } = options;
  if (candidates !== undefined && !candidatesSchema.safeParse(candidates).success) {
    throw new HeaderforgeError(
      'invalid_option',
      `${label}: --candidates must be ${CANDIDATES_EXPECTED}, got ${candidates}`,
      { hint: `Ask for 1 to ${MAX_CANDIDATES} images of the prompt; each one is paid for.` },
    );
  }
  const found = await findPost(site, post, label);
  const values: HeaderValues = { seed: (found.header?.seed ?? 0) + 1 };
  if (candidates !== undefined) {
    values.candidates = candidates;
    if (found.header?.pick !== undefined) values.pick = 1;
  }
  const edited = setHeaderKeys(found.source, found.options.field, values, { file: found.file });
  await writeFileAtomic(found.path, edited);
  const choice =
    candidates === undefined ? choiceOf(found.header, found.options) : { candidates, pick: 1 };
  return { file: found.file, seed: values.seed as number, ...choice };
}

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
