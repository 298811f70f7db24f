import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, matchesGlob, relative, resolve } from 'node:path';
import pLimit from 'p-limit';
import { type GenerationKeyInput, generationKey } from '../cache/keys.js';
import {
  type CachedImage,
  type ImageStore,
  openCommittedStore,
  openPlaceholderStore,
} from '../cache/store.js';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { candidateInputs, type HeaderJob } from '../pipeline/header-job.js';
import { findCandidateImage, shrinkImage } from '../site/candidate-image.js';
import { resolveOptions } from '../site/options.js';
import { scanContent } from '../site/scan.js';
import type { CliIO } from './io.js';
import { loadSite } from './load-site.js';
import {
  describeTotals,
  renderSheet,
  type SheetCandidate,
  type SheetPost,
  type SheetTotals,
} from './sheet-html.js';
import { usd } from './table.js';

export interface SheetFlags {
  root: string;
  config?: string;
  json?: boolean;
  /** Only posts whose content path matches this glob. */
  only?: string;
  /** Where to write the page, from the current folder; default `headerforge-sheet.html` in the site. */
  out?: string;
}

export const SHEET_FILE = 'headerforge-sheet.html';
/** Wide enough for a grid cell on a large screen; about 30 KB each, so 100 posts stay a few MB. */
const THUMBNAIL_WIDTH = 480;
const THUMBNAIL_QUALITY = 70;
/** Thumbnails made at once: each decodes a whole original. */
const THUMBNAIL_CONCURRENCY = 4;

type Found = Pick<
  SheetCandidate,
  'state' | 'width' | 'height' | 'costUsd' | 'thumbnail' | 'problem'
>;

/**
 * `headerforge sheet`: every candidate image of every post on one self-contained HTML page,
 * to review headers without a dev server (or as a CI artefact). Reads the caches only.
 */
export async function sheet(flags: SheetFlags, io: CliIO): Promise<number> {
  const site = await loadSite(flags.root, flags.config);
  const options = resolveOptions(site.options, site);
  const { only } = flags;
  const jobs = (await scanContent(options)).jobs.filter(
    (job) => !only || matchesGlob(job.file, only),
  );
  const committed = openCommittedStore(options, { readOnly: true });
  const placeholders = openPlaceholderStore(options, { readOnly: true });
  const limit = pLimit(THUMBNAIL_CONCURRENCY);
  // Posts sharing a prompt share images: each is looked up and shrunk once.
  const byKey = new Map<string, Promise<Found>>();
  const find = (input: GenerationKeyInput, key: string) => {
    let found = byKey.get(key);
    if (!found) {
      found = limit(() => findImage(input, committed, placeholders, site.root));
      byKey.set(key, found);
    }
    return found;
  };
  const posts = await Promise.all(
    jobs.map(async (job) => sheetPost(job, await Promise.all(keysOf(job).map((k) => find(...k))))),
  );
  const totals = totalsOf(posts, await Promise.all(byKey.values()));
  const out = flags.out ? resolve(flags.out) : join(site.root, SHEET_FILE);
  await mkdir(dirname(out), { recursive: true });
  await writeFileAtomic(out, renderSheet(posts, totals));
  if (flags.json) io.out(JSON.stringify({ file: out, ...totals }, null, 2));
  else io.out(`wrote ${shown(out)}: ${describeTotals(totals)} · ${usd(totals.costUsd)}`);
  return 0;
}

const keysOf = (job: HeaderJob) =>
  candidateInputs(job).map((input) => [input, generationKey(input)] as const);

function sheetPost(job: HeaderJob, found: Found[]): SheetPost {
  const pick = job.pick ?? 1;
  return {
    file: job.file,
    ...(job.title === undefined ? {} : { title: job.title }),
    prompt: job.userPrompt,
    alt: job.alt,
    model: job.model,
    aspectRatio: job.aspectRatio,
    candidates: found.map((image, index) => ({
      number: index + 1,
      picked: index + 1 === pick,
      ...image,
    })),
  };
}

/** A candidate as the sheet shows it: with a thumbnail when there is an image. */
async function findImage(
  input: GenerationKeyInput,
  committed: ImageStore,
  placeholders: ImageStore,
  root: string,
): Promise<Found> {
  const found = await findCandidateImage(input, { committed, placeholders });
  if (found.state === 'corrupt' || found.state === 'missing') return found;
  const { state, width, height, costUsd, store, entry } = found;
  const thumbnail = await thumbnailOf(store, entry, root);
  return state === 'cached'
    ? { state, width, height, costUsd, thumbnail }
    : { state, width, height, thumbnail };
}

async function thumbnailOf(
  store: ImageStore,
  entry: CachedImage,
  root: string,
): Promise<NonNullable<SheetCandidate['thumbnail']>> {
  try {
    const { data, width, height } = await shrinkImage(store, entry, {
      width: THUMBNAIL_WIDTH,
      quality: THUMBNAIL_QUALITY,
    });
    return { src: `data:image/webp;base64,${data.toString('base64')}`, width, height };
  } catch (cause) {
    throw new HeaderforgeError(
      'image_processing',
      `${relative(root, entry.file)} cannot be shrunk for the sheet: ${(cause as Error).message}`,
      { cause, hint: 'Run `headerforge doctor`, which checks every cached image.' },
    );
  }
}

function totalsOf(posts: readonly SheetPost[], images: readonly Found[]): SheetTotals {
  const slots = posts.flatMap((post) => post.candidates);
  const count = (state: SheetCandidate['state']) =>
    slots.filter((slot) => slot.state === state).length;
  return {
    posts: posts.length,
    images: slots.length,
    notGenerated: count('missing'),
    placeholders: count('placeholder'),
    corrupt: count('corrupt'),
    // Each image once, however many posts show it.
    costUsd: images.reduce(
      (sum, image) => sum + (image.state === 'cached' ? (image.costUsd ?? 0) : 0),
      0,
    ),
  };
}

/** The path as the user would type it from here. */
function shown(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere && !fromHere.startsWith('..') && !isAbsolute(fromHere) ? fromHere : path;
}
