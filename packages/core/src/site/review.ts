import path from 'node:path';
import { z } from 'zod';
import { generationKey } from '../cache/keys.js';
import { openCommittedStore, openPlaceholderStore } from '../cache/store.js';
import { candidateInputs, type HeaderJob, jobKeyInput } from '../pipeline/header-job.js';
import type { HeaderResult, PostFailure } from '../pipeline/summary.js';
import { findCandidateImage, shrinkImage } from './candidate-image.js';
import type { ModeDecision } from './mode.js';
import { candidatesSchema, type ResolvedHeaderforgeOptions } from './options.js';
import { pickCandidate, rerollPost, setPostText } from './post-edits.js';
import type { SiteRef } from './post-header.js';
import { type ScanResult, scanContent } from './scan.js';

// What the dev server's review page shows of a site: every post with its header and all its
// candidates, read from the content and the caches (no request is ever paid for here).

/** The site's content as last scanned (`reviewScan`). */
export type ContentScan = () => Promise<ScanResult>;

/**
 * One scan of the content shared by the page's requests (a listing and its hundreds of
 * thumbnails), made again after `invalidate`: the dev server calls it on every file event.
 */
export function reviewScan(options: ResolvedHeaderforgeOptions): ContentScan & {
  invalidate(): void;
} {
  let last: Promise<ScanResult> | undefined;
  const scan = () => {
    last ??= scanContent(options);
    // A failed scan (invalid frontmatter) is not kept: the next request tries again.
    last.catch(() => {
      last = undefined;
    });
    return last;
  };
  return Object.assign(scan, {
    invalidate() {
      last = undefined;
    },
  });
}

export interface ReviewCandidate {
  number: number;
  picked: boolean;
  /** `cached`: a paid image; `placeholder`: offline art; `missing`: not made yet. */
  state: 'cached' | 'placeholder' | 'missing' | 'corrupt';
  width?: number;
  height?: number;
  costUsd?: number;
  /** Changes whenever the image does: the page's image URLs carry it, so a browser never shows a stale one. */
  key: string;
}

export interface ReviewPost {
  /** The content path, relative to the root: `posts/hello.md`. */
  file: string;
  title?: string;
  prompt: string;
  alt: string;
  /** The prompt was built by `auto` from the title: there is no header to edit yet. */
  auto: boolean;
  model: string;
  size: string;
  aspectRatio: string;
  seed?: number;
  /** Where the header being served came from; `failed` when its last run failed. */
  source: HeaderResult['source'] | 'failed';
  error?: { message: string; hint?: string };
  candidates: ReviewCandidate[];
}

export interface ReviewListing {
  mode: ModeDecision['mode'];
  /** What the page should tell the author about the mode (no API key, say). */
  notice?: string;
  posts: ReviewPost[];
  /** The content could not be scanned (a post's frontmatter is invalid, say). */
  error?: { message: string; hint?: string };
}

/**
 * Every post the site's `include` globs match, with what the dev server serves for it (`served`)
 * and the last failure of each (`failures`), its candidates looked up in the caches.
 */
export async function reviewListing(input: {
  options: ResolvedHeaderforgeOptions;
  scan: ContentScan;
  mode: ModeDecision;
  served: ReadonlyMap<string, HeaderResult>;
  failures: ReadonlyMap<string, PostFailure>;
}): Promise<ReviewListing> {
  const { options, mode } = input;
  const notice = noticeOf(mode);
  const base = { mode: mode.mode, ...(notice ? { notice } : {}) };
  let jobs: HeaderJob[];
  try {
    jobs = (await input.scan()).jobs;
  } catch (error) {
    const { message, hint } = error as { message: string; hint?: string };
    return { ...base, posts: [], error: { message, ...(hint ? { hint } : {}) } };
  }
  const stores = openStores(options);
  const posts = await Promise.all(
    jobs.map(async (job) => {
      const served = input.served.get(job.file);
      const failure = input.failures.get(job.file);
      const current = served && generationKey(jobKeyInput(job)) === served.key;
      const candidates = await candidatesOf(job, stores);
      return {
        file: job.file,
        ...(job.title === undefined ? {} : { title: job.title }),
        prompt: job.userPrompt,
        alt: job.alt,
        auto: job.auto,
        model: job.model,
        size: job.imageSize,
        aspectRatio: job.aspectRatio,
        ...(job.seed === undefined ? {} : { seed: job.seed }),
        source: failure ? 'failed' : sourceOf(current ? served : undefined, candidates),
        ...(failure
          ? { error: { message: failure.message, ...(failure.hint ? { hint: failure.hint } : {}) } }
          : {}),
        candidates,
      } satisfies ReviewPost;
    }),
  );
  return { ...base, posts };
}

/**
 * Where the served header came from; while the server has not taken a header up yet (it
 * reports landings about once a second), what the caches hold for the pick.
 */
function sourceOf(
  served: HeaderResult | undefined,
  candidates: readonly ReviewCandidate[],
): HeaderResult['source'] {
  if (served && served.source !== 'pending') return served.source;
  const picked = candidates.find((candidate) => candidate.picked)?.state;
  return picked === 'cached' ? 'cache' : picked === 'placeholder' ? 'placeholder' : 'pending';
}

function noticeOf(mode: ModeDecision): string | undefined {
  if (mode.mode === 'placeholder')
    return 'No OpenRouter API key: new headers are offline placeholders. Set OPENROUTER_API_KEY in the site’s .env (keys: https://openrouter.ai/settings/keys) and restart the dev server to generate real images.';
  if (mode.mode === 'cache-only')
    return 'Cache-only mode: headers not in the cache are not generated. Set OPENROUTER_API_KEY (or HEADERFORGE_MODE=generate) and restart the dev server to generate them.';
  if (mode.mode === 'off') return 'headerforge is off (mode "off"): nothing is generated or shown.';
  return undefined;
}

const openStores = (options: ResolvedHeaderforgeOptions) => ({
  committed: openCommittedStore(options, { readOnly: true, trusted: true }),
  placeholders: openPlaceholderStore(options, { readOnly: true }),
});

async function candidatesOf(
  job: HeaderJob,
  stores: ReturnType<typeof openStores>,
): Promise<ReviewCandidate[]> {
  const pick = job.pick ?? 1;
  return Promise.all(
    candidateInputs(job).map(async (input, index) => {
      const number = index + 1;
      const slot = { number, picked: number === pick, key: generationKey(input) };
      const found = await findCandidateImage(input, stores);
      if (found.state === 'corrupt' || found.state === 'missing') {
        return { ...slot, state: found.state };
      }
      const { state, width, height, costUsd } = found;
      return {
        ...slot,
        state,
        width,
        height,
        ...(costUsd === null || costUsd === undefined ? {} : { costUsd }),
      };
    }),
  );
}

/** Wide enough for a grid cell on a large screen, and small enough for hundreds of them. */
const THUMBNAIL_WIDTH = 640;
const THUMBNAIL_QUALITY = 72;

/**
 * Candidate `number` of the post at content path `file`, shrunk for the review page (WebP);
 * undefined when the post has no such candidate or it is not made yet.
 */
export async function reviewThumbnail(
  options: ResolvedHeaderforgeOptions,
  scan: ContentScan,
  file: string,
  number: number,
): Promise<Uint8Array | undefined> {
  const job = (await scan()).jobs.find((found) => found.file === file);
  const input = job && candidateInputs(job)[number - 1];
  if (!input) return undefined;
  const stores = openStores(options);
  for (const store of [stores.committed, stores.placeholders]) {
    const found = await store.lookup(input);
    if (found.status !== 'hit') continue;
    const thumbnail = await shrinkImage(store, found.entry, {
      width: THUMBNAIL_WIDTH,
      quality: THUMBNAIL_QUALITY,
    });
    return thumbnail.data;
  }
  return undefined;
}

/**
 * Whether an edit may touch `post`: a content path inside the root that the site's `include`
 * globs match (and `exclude` does not). A path that leaves the root is refused before any file
 * is looked at.
 */
export async function reviewTarget(
  options: ResolvedHeaderforgeOptions,
  scan: ContentScan,
  post: string,
): Promise<{ file: string } | { refused: 'outside-root' | 'not-content'; message: string }> {
  const absolute = path.resolve(options.root, post);
  const relative = path.relative(options.root, absolute);
  if (
    post.includes('\0') ||
    path.isAbsolute(post) ||
    relative === '' ||
    relative.startsWith('..') ||
    path.isAbsolute(relative)
  ) {
    return { refused: 'outside-root', message: `${post}: not a path inside the site's root` };
  }
  const file = relative.split(path.sep).join('/');
  const { jobs, skipped } = await scan();
  if (!jobs.some((job) => job.file === file) && !skipped.includes(file)) {
    return {
      refused: 'not-content',
      message: `${file}: not a content file of the site (its \`include\` globs do not match it)`,
    };
  }
  return { file };
}

const postSchema = z.string().min(1).max(1000);

/** The edits the review page asks for, as its POST bodies carry them (with `action` from the URL). */
export const reviewActionSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('pick'), post: postSchema, candidate: candidatesSchema }),
  z.strictObject({
    action: z.literal('reroll'),
    post: postSchema,
    candidates: candidatesSchema.optional(),
  }),
  z.strictObject({ action: z.literal('prompt'), post: postSchema, text: z.string() }),
  z.strictObject({ action: z.literal('alt'), post: postSchema, text: z.string() }),
]);

export type ReviewAction = z.infer<typeof reviewActionSchema>;

/** The action a request asks for, or why it is not one. */
export function parseReviewAction(value: unknown): { action: ReviewAction } | { problem: string } {
  const parsed = reviewActionSchema.safeParse(value);
  if (parsed.success) return { action: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    problem: `invalid review action: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'not an action'}`,
  };
}

/**
 * Carries out `action` on the post's frontmatter, through the same edits as the `headerforge`
 * command (`pick`, `reroll`): the caller has checked the post with `reviewTarget`.
 */
export async function applyReviewAction(site: SiteRef, action: ReviewAction) {
  const label = `review: ${action.action} ${action.post}`;
  switch (action.action) {
    case 'pick':
      return pickCandidate(site, action.post, String(action.candidate));
    case 'reroll':
      return rerollPost(site, action.post, {
        label,
        ...(action.candidates === undefined ? {} : { candidates: action.candidates }),
      });
    case 'prompt':
    case 'alt':
      return setPostText(site, action.post, action.action, action.text, label);
  }
}
