import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isScalar, parseDocument } from 'yaml';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { resolveOptions } from '../site/options.js';
import { scanContent } from '../site/scan.js';
import type { LoadedSite } from './load-site.js';

const FRONTMATTER = /^(\uFEFF?---\r?\n)([\s\S]*?\r?\n)(---\r?\n?)/;

/**
 * Asks for a new image for the same prompt by raising the post's `seed` in its own
 * frontmatter: the key changes, so the new image is generated and cached, and the choice
 * is recorded in the post (a teammate's build gets the same image). The old image stays
 * cached until `headerforge prune`.
 */
export async function rerollPost(
  site: LoadedSite,
  post: string,
): Promise<{ file: string; seed: number }> {
  const options = resolveOptions(site.options, { root: site.root });
  const wanted = post.replace(/^\.\//, '');
  const job = (await scanContent(options)).jobs.find((candidate) => candidate.file === wanted);
  if (!job) {
    throw new HeaderforgeError(
      'invalid_option',
      `--reroll ${post}: no post with a header at that path`,
      {
        hint: 'Give the content file relative to the site root, as `headerforge status` lists it.',
      },
    );
  }
  const path = join(site.root, job.file);
  const source = await readFile(path, 'utf8');
  const match = FRONTMATTER.exec(source);
  if (!match || job.auto) {
    throw new HeaderforgeError(
      'invalid_option',
      `--reroll ${post}: the post has no header field to record a seed in`,
      {
        hint: `Give it a \`${options.field}:\` prompt in its frontmatter first.`,
      },
    );
  }
  const [whole, open, body, close] = match as unknown as [string, string, string, string];
  const doc = parseDocument(body);
  const seed = (job.seed ?? 0) + 1;
  const header = doc.get(options.field, true);
  if (isScalar(header)) doc.set(options.field, doc.createNode({ prompt: header.value, seed }));
  else if (isMap(header)) header.set('seed', seed);
  await writeFileAtomic(path, `${open}${doc.toString()}${close}${source.slice(whole.length)}`);
  return { file: job.file, seed };
}
