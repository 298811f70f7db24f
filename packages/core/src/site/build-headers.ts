import { matchesGlob } from 'node:path';
import { openWarmIndex } from '../cache/warm-index.js';
import type { HeaderforgeError } from '../errors/headerforge-error.js';
import type { OpenRouterClientOptions } from '../openrouter/client.js';
import type { PipelineEvent } from '../pipeline/events.js';
import type { HeaderJob } from '../pipeline/header-job.js';
import { recallHeaders } from '../pipeline/recall-headers.js';
import { allKnown, runKnown } from '../pipeline/run-known.js';
import { emptySummary, type PipelineResult } from '../pipeline/summary.js';
import { resolveRemote } from '../remote/settings.js';
import type { HostSiteContext } from './card-options.js';
import { knownHeaders } from './known-headers.js';
import { loadPipeline } from './load-pipeline.js';
import { type ModeDecision, resolveMode } from './mode.js';
import {
  type HeaderforgeOptions,
  type ResolvedHeaderforgeOptions,
  resolveOptions,
} from './options.js';
import { type ScanResult, scanContent } from './scan.js';
import { providerFor } from './site-provider.js';

export type HeadersEvent =
  | PipelineEvent
  | { type: 'mode'; decision: ModeDecision }
  | { type: 'remote'; label: string; readOnly: boolean }
  | { type: 'scanned'; files: number; headers: number; skipped: number; durationMs: number }
  /** With `deferWork`: how many posts are served pending, to be made in the background. */
  | { type: 'deferred'; posts: number; pending: number }
  | { type: 'retry'; model: string; attempt: number; delayMs: number; error: HeaderforgeError };

export interface BuildHeadersInput extends HostSiteContext {
  /** The project root: globs and the cache folders are relative to it. */
  root: string;
  /** The user's options, validated here. */
  options?: HeaderforgeOptions | undefined;
  /** Where OPENROUTER_API_KEY, OPENROUTER_BASE_URL, HEADERFORGE_MODE and CI are read. Default process.env. */
  env?: NodeJS.ProcessEnv;
  onEvent?: (event: HeadersEvent) => void;
  signal?: AbortSignal;
  /** Extra client settings (tests, attribution). */
  client?: Partial<OpenRouterClientOptions>;
  /**
   * In `generate` mode, serve offline art for missing images now and list their jobs in
   * `deferred` instead of generating: a dev server starts at once and generates afterwards.
   */
  deferGeneration?: boolean;
  /**
   * Make nothing now: each post gets its header as the warm index already knows it whole
   * (original and derived set: a few stats, nothing read, rendered, derived or hashed), or
   * else a shared pending stand-in (`source: 'pending'`); what is still to make is listed
   * in `deferred`, for the caller to make in the mode the site is in. A dev server listens at once this way,
   * however many posts are missing from the caches.
   */
  deferWork?: boolean;
  /**
   * A build's run: the local copies of entries read through from the remote cache, when
   * the posts need none of their pixels (their derived files are kept), are written after
   * the run returns, while the build goes on. `result.writesDone` resolves once they are
   * written (a failure is a warning event: the remote still has them). Default false.
   */
  writeBehind?: boolean;
  /** Only posts whose content path (relative to the root) matches this glob. */
  only?: string;
  /**
   * Derive headerforge's own widths × formats variants (default `true`). A host that makes
   * its responsive images itself from the master, as Astro's `<Image>` does, passes `false`:
   * each post's set is then the master, the social card, the LQIP and the colour.
   */
  variants?: boolean;
  /**
   * The host asks for the headers well after starting the run, with work of its own on the
   * main thread meanwhile (Astro's content sync comes about a second after its config hook).
   * A warm build's stamps are then checked on a thread beside it (see
   * `WarmIndex.checkAhead`); where nothing else would run meanwhile, checking them on the
   * main thread ends sooner. Default false.
   */
  headersWantedLater?: boolean;
}

export interface BuildHeadersResult extends PipelineResult {
  mode: ModeDecision;
  options: ResolvedHeaderforgeOptions;
  scan: ScanResult;
  /** Jobs shown as placeholders or pending because work was deferred (see `deferGeneration`, `deferWork`). */
  deferred: HeaderJob[];
  /** The shared remote cache this run used, if the site has one. */
  remote?: { label: string; readOnly: boolean } | undefined;
}

/** The site's options, validated, and the mode it is in. */
export function siteSettings(input: BuildHeadersInput): {
  options: ResolvedHeaderforgeOptions;
  mode: ModeDecision;
} {
  const env = input.env ?? process.env;
  const options = resolveOptions(input.options, input);
  const apiKey = input.client?.apiKey ?? env.OPENROUTER_API_KEY?.trim();
  return { options, mode: resolveMode({ option: options.mode, env, hasApiKey: Boolean(apiKey) }) };
}

/**
 * The whole story for one site: validate options, pick the mode, scan the content, then
 * make every header. Failures are in `result.failures`; `failuresError(result)` turns them
 * into the error a build should end with.
 */
export async function buildHeaders(input: BuildHeadersInput): Promise<BuildHeadersResult> {
  const env = input.env ?? process.env;
  const emit = input.onEvent ?? (() => {});
  const { options, mode } = siteSettings(input);
  emit({ type: 'mode', decision: mode });
  const empty: ScanResult = { jobs: [], files: 0, skipped: [] };
  if (mode.mode === 'off') {
    return {
      mode,
      options,
      scan: empty,
      headers: [],
      failures: [],
      summary: emptySummary(),
      deferred: [],
    };
  }

  const scanStarted = performance.now();
  const warmIndex = openWarmIndex(options.derivedCacheDir);
  // Whole headers are for a run that makes them; one that defers its work only recalls.
  const known = input.deferWork
    ? undefined
    : knownHeaders(warmIndex, options, input.variants !== false);
  if (known && input.headersWantedLater) await warmIndex.checkAhead('headers', known.idPrefix);
  const scanned = await scanContent(options, warmIndex, known);
  const { only } = input;
  const scan = only
    ? { ...scanned, jobs: scanned.jobs.filter((job) => matchesGlob(job.file, only)) }
    : scanned;
  emit({
    type: 'scanned',
    files: scan.files,
    headers: scan.jobs.length,
    skipped: scan.skipped.length,
    durationMs: performance.now() - scanStarted,
  });

  const remote = resolveRemote(options, env);
  const remoteInfo = remote
    ? { remote: { label: remote.location.label, readOnly: remote.readOnly } }
    : {};
  if (input.deferWork) {
    const settings = { ...options, variants: input.variants !== false };
    const recalled = await recallHeaders(scan.jobs, settings, warmIndex, mode.mode);
    const pending = recalled.headers.filter((header) => header.source === 'pending').length;
    emit({ type: 'deferred', posts: scan.jobs.length, pending });
    // What the scan learnt, for the run that makes the rest (it opens the index afresh).
    await warmIndex.save().catch((error: unknown) =>
      emit({
        type: 'warning',
        message: `Could not save the warm-build index: ${(error as Error).message}`,
      }),
    );
    return {
      headers: recalled.headers,
      failures: [],
      summary: {
        ...emptySummary(),
        posts: scan.jobs.length,
        cached: recalled.headers.filter((header) => header.source === 'cache').length,
      },
      mode,
      options,
      scan,
      deferred: recalled.toMake,
      ...remoteInfo,
    };
  }

  const defer = mode.mode === 'generate' && input.deferGeneration === true;
  // Made (and its settings checked) even when every image is cached: a bad setting fails
  // every build, not only the one that first pays.
  const provider =
    mode.mode === 'generate' && !defer ? providerFor(options, env, input.client, emit) : undefined;
  const pipelineMode = defer ? 'placeholder' : mode.mode;
  // Every header known whole (a warm build of an unchanged site): nothing to make, so the
  // machinery that makes headers is not even loaded. A site with a remote takes the whole
  // run, which opens its remote and says so.
  const knownWhole = remote ? undefined : allKnown(scan.jobs, known);
  if (knownWhole) {
    const result = await runKnown(scan.jobs, knownWhole, {
      cacheDir: options.cacheDir,
      mode: pipelineMode,
      onEvent: emit,
      warmIndex,
    });
    return { ...result, mode, options, scan, deferred: [] };
  }

  const { runPipeline, withRemote } = await loadPipeline();
  const result = await withRemote(options, env, emit, (remote) =>
    runPipeline(scan.jobs, {
      settings: { ...options, variants: input.variants !== false },
      mode: pipelineMode,
      ...(provider ? { provider } : {}),
      onEvent: emit,
      ...(input.signal ? { signal: input.signal } : {}),
      remote,
      warmIndex,
      known,
      ...(input.writeBehind ? { writeBehind: true } : {}),
    }),
  );
  const deferred = defer
    ? result.headers.filter((header) => header.placeholder).map((header) => header.job)
    : [];
  return { ...result, mode, options, scan, deferred, ...remoteInfo };
}
