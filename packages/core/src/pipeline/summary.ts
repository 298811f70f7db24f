import type { DerivedFile, DerivedSet } from '../derive/derived-set.js';
import type { HeaderforgeErrorCode, HeaderforgeErrorScope } from '../errors/headerforge-error.js';
import type { HeaderJob } from './header-job.js';

/** One post's header, as a run made it. */
export interface HeaderResult {
  job: HeaderJob;
  key: string;
  /**
   * Where the original came from in this run. `pending`: not made yet (a dev server that
   * listens before making its headers); a shared plain stand-in is served until it is.
   */
  source: 'cache' | 'remote' | 'generated' | 'reused' | 'placeholder' | 'pending';
  /** Something stands in for the real image: offline art, or the pending stand-in. */
  placeholder: boolean;
  original: { file: string; width: number; height: number; sha256: string };
  derived: DerivedSet;
  /**
   * Title cards (1200×630 first, then the site's other sizes), when the post's card is one;
   * its `derived.og` is then absent. Hosts take `og:image` from `cards[0] ?? derived.og`.
   */
  cards?: DerivedFile[];
}

export interface PostFailure {
  file: string;
  line?: number | undefined;
  key: string;
  code: HeaderforgeErrorCode;
  message: string;
  hint?: string | undefined;
  /** Set when the failure was not the post's own (see `HeaderforgeError.scope`). */
  scope?: HeaderforgeErrorScope | undefined;
}

export interface PipelineSummary {
  posts: number;
  /** Distinct images needed (posts with the same final prompt share one). */
  unique: number;
  cached: number;
  generated: number;
  /** Made by another build running at the same time, which we waited for. */
  reused: number;
  placeholders: number;
  failed: number;
  /** Not generated because the budget would have been exceeded (also counted in failed). */
  skipped: number;
  /** Cache entries found corrupt and set aside. */
  corrupt: number;
  /** Images taken from the shared remote cache (checked, then written to the local cache). */
  remoteHits: number;
  /** Paid images uploaded to the remote cache. */
  remoteWrites: number;
  /** Remote entries refused: wrong key, wrong hash, or not a decodable image. */
  remoteRejected: number;
  /** Images for which the remote was needed but down, slow or misconfigured. */
  remoteFallbacks: number;
  costUsd: number;
  durationMs: number;
}

/** The summary's counts while a run is under way. */
export type Counters = Omit<PipelineSummary, 'durationMs'>;

export interface PipelineResult {
  headers: HeaderResult[];
  failures: PostFailure[];
  summary: PipelineSummary;
  /**
   * With `writeBehind`: resolves once the local copies of the entries read through are
   * written and flushed. Never rejects: a copy that could not be written is a warning event
   * (the remote still has it; the next build reads it through again).
   */
  writesDone?: Promise<void>;
}

export function emptySummary(): PipelineSummary {
  return {
    posts: 0,
    unique: 0,
    cached: 0,
    generated: 0,
    reused: 0,
    placeholders: 0,
    failed: 0,
    skipped: 0,
    corrupt: 0,
    remoteHits: 0,
    remoteWrites: 0,
    remoteRejected: 0,
    remoteFallbacks: 0,
    costUsd: 0,
    durationMs: 0,
  };
}
