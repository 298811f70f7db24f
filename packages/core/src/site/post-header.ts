import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { isContentFile } from './content-listing.js';
import { contentPath } from './content-path.js';
import { type HeaderField, parseFrontmatter } from './frontmatter.js';
import { outsideRoot } from './inside-root.js';
import {
  type HeaderforgeOptions,
  type ResolvedHeaderforgeOptions,
  resolveOptions,
  type SiteContext,
} from './options.js';

/** A site whose posts are edited: its root and its options as the config gives them. */
export interface SiteRef extends SiteContext {
  options: HeaderforgeOptions;
}

/** A post an edit (a command, the review page) changes: its file as read, and its header as parsed from it. */
export interface PostHeader {
  options: ResolvedHeaderforgeOptions;
  /** Relative to the site root, as `headerforge status` lists it. */
  file: string;
  path: string;
  source: string;
  /** Undefined when the post has none (no field, `false`, or an `auto` prompt). */
  header?: HeaderField;
}

/** How many images a post has to choose from, and which one it shows. */
export interface PostChoice {
  candidates: number;
  pick: number;
}

/**
 * The content file `post` names (relative to the site root, `./` allowed), read for
 * editing. `label` starts the error when there is no such post: the command as typed.
 */
export async function findPost(site: SiteRef, post: string, label: string): Promise<PostHeader> {
  const options = resolveOptions(site.options, site);
  const file = contentPath(options.root, post);
  // Judged before anything is read. A post that is a symlink to a file outside the site is
  // read by a build, never written.
  const outside = outsideRoot(options.root, resolve(options.root, file), options.outsideRoot);
  if (outside) {
    const symlink = outside.through === 'symlink';
    throw new HeaderforgeError(
      'invalid_option',
      `${label}: ${symlink ? file : post} is outside the project root${symlink ? `, through a symlink to ${outside.real}` : ` (${options.root})`}; headerforge edits only files inside it`,
      {
        hint: symlink
          ? 'Edit the file where it is, or list its folder in the `outsideRoot` option.'
          : 'Give the content file relative to the site root, as `headerforge status` lists it.',
      },
    );
  }
  // Found as the scan would find it, without reading the other posts: matched by the
  // include globs and a file. One without a header is found too: the editor then says what
  // it lacks.
  const path = join(options.root, file);
  if (!isContentFile(file, options) || !(await isFile(path))) {
    throw new HeaderforgeError('invalid_option', `${label}: no post with a header at that path`, {
      hint: 'Give the content file relative to the site root, as `headerforge status` lists it.',
    });
  }
  const source = await readFile(path, 'utf8');
  const { header } = parseFrontmatter(source, { file, field: options.field });
  return { options, file, path, source, ...(header ? { header } : {}) };
}

/** A post's choice: its own `candidates`, else the site's; its `pick`, else the first. */
export function choiceOf(
  header: HeaderField | undefined,
  options: Pick<ResolvedHeaderforgeOptions, 'candidates'>,
): PostChoice {
  return { candidates: header?.candidates ?? options.candidates, pick: header?.pick ?? 1 };
}

const isFile = (path: string) =>
  stat(path).then(
    (info) => info.isFile(),
    () => false,
  );
