import path from 'node:path';
import { sha256Hex } from '../cache/keys.js';
import { derivedCacheLayout } from '../cache/layout.js';
import type { WarmIndex } from '../cache/warm-index.js';
import { cardRendererVersions } from '../derive/card-key.js';
import { CARD_FILES_LAYOUT, type CardPlace, cardPath, cardPlace } from '../derive/card-store.js';
import { fromManifest, type Manifest, toManifest } from '../derive/manifest.js';
import { installedSharpVersion } from '../derive/sharp-version.js';
import { keyDirectory } from '../derive/store.js';
import type { HeaderJob } from '../pipeline/header-job.js';
import type { KnownHeaders } from '../pipeline/settings.js';
import type { HeaderResult } from '../pipeline/summary.js';
import { type ResolvedHeaderforgeOptions, siteRelativeOptions } from './options.js';
import { headerforgeVersion } from './package-version.js';

/** A post's whole header as the warm index keeps it (the set as its manifest: names, not paths). */
interface KnownHeader {
  job: HeaderJob;
  key: string;
  original: HeaderResult['original'];
  derived: Manifest;
  /** Its title cards, when its card is one. */
  cards?: KnownCard[];
}

/** A title card: where its file sits (see `cardPath`), its size and bytes. */
interface KnownCard extends CardPlace {
  width: number;
  height: number;
  bytes: number;
}

/** The post's file and the site's settings, as scanned: what finds a post's whole header. */
export interface KnownHeaderSource extends KnownHeaders {
  /** The post's job, if the warm index knows its header whole; `get(job)` then gives the header. */
  recall(file: string): HeaderJob | undefined;
  /** What the ids of these settings' headers start with (see `WarmIndex.checkAhead`). */
  idPrefix: string;
}

/**
 * Whole headers, for a warm build to skip every step between a post's file and its header.
 *
 * A header is made from facts the warm index keeps apart: the post's header fields (its
 * file), its original (the image and its sidecar) and its derived set (the set's folder).
 * Once a build has made a post's header from a local hit, the header is remembered with the
 * stamps of all of those files together: while none of them changes, the next build takes
 * the header as it is, with one stat per file and one line parsed, instead of parsing the
 * post's fields again, hashing its key, and finding its image and its set (three lines, two
 * hashes and a dozen small objects per post). The site's settings, headerforge's version
 * and sharp's are in the fact's id, so any of them changing makes every header anew, from
 * the facts it is made of.
 *
 * A title card is a file in a folder named by its key (which covers the title, the look, the
 * fonts and the renderer): its stamp joins the others, and the renderer's versions join the id.
 *
 * Only headers a build would make the same way from those files alone are remembered: none
 * with reference images (their bytes travel with the job) and none with several candidates
 * (each build checks the candidates it does not show).
 */
export function knownHeaders(
  warmIndex: WarmIndex,
  options: ResolvedHeaderforgeOptions,
  variants: boolean,
): KnownHeaderSource {
  const settings = fingerprint(options, variants);
  const { derived: derivedDir, cards: cardsDir } = derivedCacheLayout(options.derivedCacheDir);
  const byJob = new Map<HeaderJob, HeaderResult>();
  const idPrefix = `${settings}\0`;
  const idOf = (file: string) => `${idPrefix}${file}`;

  return {
    idPrefix,
    recall(file) {
      const known = warmIndex.recall<KnownHeader>('headers', idOf(file));
      if (!known || known.job.file !== file) return undefined;
      const { job, key, original, derived, cards } = known;
      byJob.set(job, {
        job,
        key,
        source: 'cache',
        placeholder: false,
        original: { ...original, file: path.resolve(options.root, original.file) },
        derived: fromManifest(derived, keyDirectory(derivedDir, derived.key)),
        ...(cards
          ? {
              cards: cards.map(({ key, name, ...card }) => ({
                file: cardPath(cardsDir, { key, name }),
                ...card,
                format: 'jpeg' as const,
              })),
            }
          : {}),
      });
      return job;
    },
    get: (job) => byJob.get(job),
    remember(header) {
      const { job } = header;
      if (header.source !== 'cache' || byJob.has(job)) return;
      if ((job.references?.length ?? 0) > 0 || (job.candidates ?? 1) > 1) return;
      const content = warmIndex.stampsOf('content', contentFactId(options, job.file));
      const original = content && warmIndex.stampsOf('originals', header.key);
      const set = original && warmIndex.stampsOf('derived', header.derived.key);
      // Title cards are files of their own, named by their keys: stamped one by one.
      const cards =
        set && (header.cards ? warmIndex.stamp(header.cards.map(({ file }) => file)) : []);
      if (!cards) return;
      const value: KnownHeader = {
        job,
        key: header.key,
        // Relative to the root, like every path the index keeps: a copy of the site finds its own.
        original: { ...header.original, file: path.relative(options.root, header.original.file) },
        derived: toManifest(header.derived.key, header.derived),
        ...(header.cards
          ? {
              cards: header.cards.map(({ file, width, height, bytes }) => ({
                ...cardPlace(file),
                width,
                height,
                bytes,
              })),
            }
          : {}),
      };
      warmIndex.remember(
        'headers',
        idOf(job.file),
        [...content, ...original, ...set, ...cards],
        value,
      );
    },
  };
}

/**
 * A content file's fact in the warm index: the header field's name decides what is parsed
 * out of it, so it is part of the id. The file is its content path (see `contentPath`):
 * relative to the root, so that a copy of the site keeps its facts.
 */
export const contentFactId = (options: ResolvedHeaderforgeOptions, file: string) =>
  `${options.field}\0${file}`;

/**
 * Options that never change a header made from a local hit: how a run pays, retries and
 * reports, and the dev server's review page. Changing one of them keeps every header whole.
 */
const NOT_IN_A_HEADER = [
  'review',
  'concurrency',
  'mode',
  'maxNewImages',
  'maxCostUsd',
  'timeoutMs',
  'maxRetries',
  'lookupCost',
  'remote',
  'outsideRoot',
] as const satisfies ReadonlyArray<keyof ResolvedHeaderforgeOptions>;

/**
 * Everything besides the files that decides a post's header, hashed: where the site sits
 * decides nothing (see `siteRelativeOptions`).
 */
function fingerprint(options: ResolvedHeaderforgeOptions, variants: boolean): string {
  const decisive: Partial<ResolvedHeaderforgeOptions> = siteRelativeOptions(options);
  for (const name of NOT_IN_A_HEADER) delete decisive[name];
  return sha256Hex(
    JSON.stringify({
      headerforge: headerforgeVersion(),
      sharp: installedSharpVersion(),
      // A card's key covers its renderer and fonts: a new one draws every card anew.
      cards: cardRendererVersions(),
      cardFiles: CARD_FILES_LAYOUT,
      variants,
      options: decisive,
    }),
  ).slice(0, 32);
}
