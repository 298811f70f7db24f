import type { RemoteCache } from '../cache/remote-cache.js';
import type { CacheDirs } from '../cache/store.js';
import type { WarmIndex } from '../cache/warm-index.js';
import type { CardSettings } from '../derive/card-spec.js';
import type { OutputFormat } from '../image/output-formats.js';
import type { Provider } from '../providers/provider.js';
import type { PipelineEvent } from './events.js';
import type { HeaderJob } from './header-job.js';
import type { HeaderResult } from './summary.js';

/** What becomes of an image missing from the cache (the site's mode, once it is not `off`). */
export type PipelineMode = 'generate' | 'cache-only' | 'placeholder';

/** The resolved options the pipeline needs (a subset of the site options). */
export interface PipelineSettings extends CacheDirs {
  concurrency: number;
  widths: number[];
  formats: OutputFormat[];
  /** The social card: none, the header's crop, or title cards (see `derive/card-spec.ts`). */
  og: boolean | CardSettings;
  /**
   * Derive the widths × formats variants (default `true`); `false` for a host that makes
   * its own responsive images from the master (see `DeriveSpec.variants`).
   */
  variants?: boolean | undefined;
  maxNewImages?: number | undefined;
  maxCostUsd?: number | undefined;
  /** How a paid image is kept in the committed cache; default `compact`. */
  original?: 'compact' | 'as-received' | undefined;
}

export interface RunPipelineOptions {
  settings: PipelineSettings;
  mode: PipelineMode;
  /** Makes the paid images; required in `generate` mode. */
  provider?: Provider;
  onEvent?: (event: PipelineEvent) => void;
  /** Each post's header as soon as it is made, before the run ends (a dev server shows it). */
  onHeader?: (header: HeaderResult) => void;
  /**
   * Runs each step that takes the CPU (rendering offline art, deriving a set). A dev server
   * making headers in the background passes one that waits while it answers requests, so
   * that this work never slows a page. Default: the step at once. `order` is the step's
   * image's place in the run: a pace that queues steps runs lower ones first, so that each
   * image is finished before later ones take the CPU (see `orderedLimit`).
   */
  pace?: <T>(step: () => Promise<T>, order?: number) => Promise<T>;
  signal?: AbortSignal;
  /** What earlier builds verified (default: the one in `derivedCacheDir`); saved at the end. */
  warmIndex?: WarmIndex;
  /**
   * A shared cache consulted after a local miss (read-through) and given every paid image
   * (write-back), with a lease per key so that machines building at once pay once.
   */
  remote?: RemoteCache | undefined;
  /**
   * Write the local copies of remote entries whose pixels the run does not need after it
   * returns (see `TieredStoreOptions.writeBehind`): for a build, whose headers need only
   * their sidecars and derived files. The result's `writesDone` resolves once they are
   * written, flushed and in the warm index. Default false.
   */
  writeBehind?: boolean;
  /**
   * Headers the warm index knows whole (see `site/known-headers.ts`): their posts are not
   * looked up; every header this run makes from a local hit is offered to it.
   */
  known?: KnownHeaders | undefined;
}

/** Whole headers kept from build to build, by post. */
export interface KnownHeaders {
  /** The post's header, if it is known whole. */
  get(job: HeaderJob): HeaderResult | undefined;
  /** A header this run made from a local hit, to be known whole by the next build. */
  remember(header: HeaderResult): void;
}
