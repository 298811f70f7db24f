import { generationKey } from '../cache/keys.js';
import { asHeaderforgeError, type HeaderforgeError } from '../errors/headerforge-error.js';
import type { HeaderJob } from '../pipeline/header-job.js';
import { jobKeyInput } from '../pipeline/header-job.js';
import { orderedLimit } from '../pipeline/ordered-limit.js';
import type { PipelineMode } from '../pipeline/settings.js';
import type { HeaderResult, PostFailure } from '../pipeline/summary.js';
import { backgroundMayStart } from './background-hold.js';
import { type BuildHeadersInput, type BuildHeadersResult, buildHeaders } from './build-headers.js';
import { loadPipeline } from './load-pipeline.js';
import { recallPosts } from './recall-posts.js';
import { scanContent } from './scan.js';
import { providerFor } from './site-provider.js';

/** What a host (Vite, Astro) is told when the headers it serves change. */
export type ServiceUpdate =
  | { type: 'headers-changed'; files: string[]; placeholder: boolean }
  | { type: 'failed'; failures: PostFailure[] }
  /** The content could not be scanned, or background work failed as a whole. */
  | { type: 'error'; error: HeaderforgeError };

export interface HeaderService {
  /**
   * The first run, started once however often it is asked for. With `deferWork` (a dev
   * server) it resolves after the scan and the warm lookups: posts not made yet are served
   * pending and made in the background, each reported as it lands.
   */
  ready(): Promise<BuildHeadersResult>;
  /** The headers being served now, by content file (relative to the root). */
  headers(): ReadonlyMap<string, HeaderResult>;
  /**
   * The posts whose header failed and has not been made since, by content file: from the
   * first run, then as `failed` and `headers-changed` updates report them.
   */
  failures(): ReadonlyMap<string, PostFailure>;
  /**
   * The headers of `files` (content paths, or `./`- or `/`-prefixed ones), by content path,
   * for a request that needs only those (a page naming a few posts). Once the first run is
   * done, what `headers()` serves. Before, with `deferWork`, those posts alone are read and
   * recalled, so that a dev server's first page does not wait for the whole scan; if the run
   * then serves any of them otherwise, that is reported as `headers-changed`. A file that is
   * not a post with a header is left out. Rejects when the first run failed.
   */
  headersOf(files: readonly string[]): Promise<ReadonlyMap<string, HeaderResult>>;
  /**
   * Rescans the content after an edit. Posts whose generation key changed get offline art
   * at once (reported as `headers-changed` with `placeholder: true`), then the real image in
   * the background (reported again when it lands). An edit that keeps the key costs nothing.
   * After a first run that failed (a post's frontmatter was invalid), runs it again.
   */
  refresh(): Promise<void>;
  /**
   * Loads what reading a post takes (the YAML parser, the frontmatter schemas), for a dev
   * server that has a moment before its first request: that request then only reads.
   */
  prepare(): void;
  /** Also tell `listener` about updates; returns a function that stops it. */
  subscribe(listener: (update: ServiceUpdate) => void): () => void;
  /**
   * Lets a server put its requests first: background work starts once `idle()` resolves,
   * and waits for it again before each step that takes the CPU (rendering, deriving). A
   * dev server passes one that resolves once it listens and while it answers no request.
   */
  yieldTo(idle: () => Promise<void>): void;
  /**
   * Stops the background work (the server is closing, or the build is done): nothing more
   * is asked for or reported. Resolves once the work under way has stopped and the caches
   * are left tidy (a build's copies written behind, see `writeBehind`, included).
   */
  close(): Promise<void>;
}

/**
 * `writeBehind` defaults to `!deferWork`: a service that is not a dev server's is a build's,
 * whose host calls `close` at the end of the build.
 */
export interface HeaderServiceInput extends BuildHeadersInput {
  onUpdate?: (update: ServiceUpdate) => void;
}

/** CPU-heavy background steps at once (the pipeline's own limits apply within them). */
const BACKGROUND_STEPS = 2;
/** Headers landing in the background are reported together, at most this often. */
const LANDING_BATCH_MS = 1000;

const jobKey = (job: HeaderJob) => generationKey(jobKeyInput(job));

/** Same image, same crop, same card: nothing to redo for the post. */
const sameHeader = (a: HeaderJob, b: HeaderJob) =>
  jobKey(a) === jobKey(b) &&
  a.focus === b.focus &&
  a.alt === b.alt &&
  a.title === b.title &&
  JSON.stringify(a.og) === JSON.stringify(b.og);

export function createHeaderService(input: HeaderServiceInput): HeaderService {
  const served = new Map<string, HeaderResult>();
  const listeners = new Set<(update: ServiceUpdate) => void>(
    input.onUpdate ? [input.onUpdate] : [],
  );
  const failing = new Map<string, PostFailure>();
  const notify = (update: ServiceUpdate) => {
    if (update.type === 'failed') {
      for (const failure of update.failures) failing.set(failure.file, failure);
    } else if (update.type === 'headers-changed') {
      for (const file of update.files) failing.delete(file);
    }
    for (const listener of listeners) listener(update);
  };
  const emit = input.onEvent ?? (() => {});
  const env = input.env ?? process.env;
  const settings = (options: BuildHeadersResult['options']) => ({
    ...options,
    variants: input.variants !== false,
  });
  let first: Promise<BuildHeadersResult> | undefined;
  /** How the first run ended, once it has. */
  let firstOutcome: { ok: true } | { ok: false; error: unknown } | undefined;
  /** What `headersOf` answered before the first run was done, to compare with what it serves. */
  const early = new Map<string, HeaderResult>();
  // Refreshes run one after another, so two quick saves cannot interleave their results.
  let queue: Promise<void> = Promise.resolve();
  const stopping = new AbortController();
  const landings = createLandings((update) => {
    if (!stopping.signal.aborted) notify(update);
  });
  const working = new Set<Promise<void>>();
  let idle = () => Promise.resolve();
  const stopped = new Promise<void>((resolve) =>
    stopping.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  /** Waits for the server to have time, or for `close` (a server that never listened). */
  const untilIdle = async () => {
    await Promise.race([idle(), stopped]);
    stopping.signal.throwIfAborted();
  };
  // In the run's order: a site's first posts are finished first, not every post a step at a time.
  const steps = orderedLimit(BACKGROUND_STEPS);
  const pace = <T>(step: () => Promise<T>, order?: number): Promise<T> =>
    steps(async () => {
      await untilIdle();
      return step();
    }, order);
  /** Background work, stopped by `close`; its failure is reported unless it was stopped. */
  const inBackground = (work: () => Promise<void>) => {
    const done = work()
      .catch((error: unknown) => {
        if (!stopping.signal.aborted) notify({ type: 'error', error: asHeaderforgeError(error) });
      })
      .finally(() => working.delete(done));
    working.add(done);
  };

  function ready(): Promise<BuildHeadersResult> {
    // A service without `deferWork` is a build's: its copies read through from a remote
    // cache are written behind it, and `close` (the host's end of build) waits for them.
    first ??= buildHeaders({ ...input, writeBehind: input.writeBehind ?? !input.deferWork }).then(
      (result) => {
        for (const header of result.headers) served.set(header.job.file, header);
        for (const failure of result.failures) failing.set(failure.file, failure);
        firstOutcome = { ok: true };
        // A build's copies from the remote cache, still being written: `close` waits for them.
        const { writesDone } = result;
        if (writesDone) inBackground(() => writesDone);
        reportEarlyDifferences();
        if (result.deferred.length > 0 && result.mode.mode !== 'off') {
          const { mode, options } = result;
          inBackground(async () => {
            await Promise.race([backgroundMayStart(), stopped]);
            await untilIdle();
            await makeInBackground(result.deferred, options, mode.mode as PipelineMode);
          });
        }
        return result;
      },
    );
    const run = first;
    run.catch((error: unknown) => {
      if (first === run) firstOutcome = { ok: false, error };
    });
    return first;
  }

  /** Posts the first run serves otherwise than `headersOf` answered before it was done. */
  function reportEarlyDifferences() {
    const files = [...early].flatMap(([file, header]) => {
      const now = served.get(file);
      return now && shown(now) === shown(header) ? [] : [file];
    });
    early.clear();
    if (files.length === 0) return;
    const placeholder = files.some((file) => served.get(file)?.placeholder ?? false);
    notify({ type: 'headers-changed', files, placeholder });
  }

  async function headersOf(files: readonly string[]): Promise<ReadonlyMap<string, HeaderResult>> {
    const keys = files.map((file) => file.replaceAll('\\', '/').replace(/^\.?\//, ''));
    const servedOnes = () => {
      const found = new Map<string, HeaderResult>();
      for (const key of keys) {
        const header = served.get(key);
        if (header) found.set(key, header);
      }
      return found;
    };
    if (!input.deferWork || firstOutcome !== undefined) {
      await ready();
      return servedOnes();
    }
    const found = await recallPosts(input, keys);
    // The first run ended meanwhile: its headers, which the page is compared against no more.
    if (firstOutcome !== undefined) {
      await ready();
      return servedOnes();
    }
    for (const header of found) early.set(header.job.file, header);
    return new Map(found.map((header) => [header.job.file, header]));
  }

  async function refreshNow(): Promise<void> {
    // A first run under way (or not started) is waited for: if it fails, this edit may fix it.
    if (firstOutcome === undefined) await ready().catch(() => {});
    if (firstOutcome?.ok === false) {
      await retryFirstRun();
      return;
    }
    const { options, mode } = await ready();
    if (mode.mode === 'off') return;
    let jobs: HeaderJob[];
    try {
      jobs = (await scanContent(options)).jobs;
    } catch (error) {
      notify({ type: 'error', error: error as HeaderforgeError });
      return;
    }
    const current = new Set(jobs.map((job) => job.file));
    const removed = [...served.keys()].filter((file) => !current.has(file));
    for (const file of removed) served.delete(file);
    const changed = jobs.filter((job) => {
      const before = served.get(job.file);
      return !before || !sameHeader(before.job, job);
    });
    if (changed.length === 0) {
      if (removed.length > 0)
        notify({ type: 'headers-changed', files: removed, placeholder: false });
      return;
    }

    // Cached images (an undo, a prompt used elsewhere) come straight from the cache; the
    // rest show offline art at once, and the real image when it exists.
    const { runPipeline, withRemote } = await loadPipeline();
    const now = await withRemote(options, env, emit, (remote) =>
      runPipeline(changed, {
        settings: settings(options),
        mode: mode.mode === 'cache-only' ? 'cache-only' : 'placeholder',
        onEvent: emit,
        remote,
      }),
    );
    for (const header of now.headers) served.set(header.job.file, header);
    const waiting = now.headers.filter((header) => header.placeholder).map((header) => header.job);
    notify({
      type: 'headers-changed',
      files: [...changed.map((job) => job.file), ...removed],
      placeholder: waiting.length > 0,
    });
    if (now.failures.length > 0) notify({ type: 'failed', failures: now.failures });
    if (mode.mode === 'generate' && waiting.length > 0) {
      inBackground(() => makeInBackground(waiting, options, 'generate'));
    }
  }

  /** The first run failed (a bad post when the server started): an edit may have fixed it. */
  async function retryFirstRun(): Promise<void> {
    first = undefined;
    firstOutcome = undefined;
    try {
      await ready();
    } catch (error) {
      notify({ type: 'error', error: asHeaderforgeError(error) });
      return;
    }
    const files = [...served.keys()];
    const placeholder = [...served.values()].some((header) => header.placeholder);
    notify({ type: 'headers-changed', files, placeholder });
  }

  /**
   * Makes `jobs` in `mode` while the server serves what it has, showing each header as it
   * lands (unless its post was edited again meanwhile). The pipeline bounds the work:
   * `concurrency` requests, and derivations within a pixel budget.
   */
  async function makeInBackground(
    jobs: HeaderJob[],
    options: BuildHeadersResult['options'],
    mode: PipelineMode,
  ): Promise<void> {
    const { runPipeline, withRemote } = await loadPipeline();
    const provider =
      mode === 'generate' ? providerFor(options, env, input.client, emit) : undefined;
    const result = await withRemote(options, env, emit, (remote) =>
      runPipeline(jobs, {
        settings: settings(options),
        mode,
        ...(provider ? { provider } : {}),
        onEvent: emit,
        signal: stopping.signal,
        pace,
        onHeader(header) {
          const now = served.get(header.job.file);
          if (!now || !sameHeader(now.job, header.job)) return;
          served.set(header.job.file, header);
          landings.add(header);
        },
        remote,
      }),
    ).finally(landings.flush);
    if (result.failures.length > 0 && !stopping.signal.aborted)
      notify({ type: 'failed', failures: result.failures });
  }

  return {
    ready,
    headers: () => served,
    failures: () => failing,
    headersOf,
    prepare() {
      // The scan loads it with the first file it reads (scan.ts); a failure shows there.
      import('./frontmatter.js').catch(() => {});
    },
    refresh() {
      // A refresh asked for once the server is closing (an edit's debounce timer) does nothing.
      if (stopping.signal.aborted) return queue;
      queue = queue.then(refreshNow, refreshNow);
      return queue;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    yieldTo(next) {
      idle = next;
    },
    async close() {
      stopping.abort();
      // A refresh under way (an edit saved just before) ends before the server is closed.
      await Promise.all([...working, queue.catch(() => {})]);
    },
  };
}

/**
 * Headers that landed, reported as one `headers-changed` per batch: a background run of
 * hundreds of posts reloads a page a few times, not once per post.
 */
function createLandings(notify: (update: ServiceUpdate) => void) {
  const files = new Set<string>();
  let placeholder = false;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (files.size === 0) return;
    const update: ServiceUpdate = { type: 'headers-changed', files: [...files], placeholder };
    files.clear();
    placeholder = false;
    notify(update);
  };
  return {
    add(header: HeaderResult) {
      files.add(header.job.file);
      placeholder ||= header.placeholder;
      timer ??= setTimeout(flush, LANDING_BATCH_MS).unref();
    },
    flush,
  };
}

/**
 * A header as its page shows it, for comparing two: a reference image counts by its hash,
 * not its bytes (up to 10 MiB each, which JSON would spell out number by number).
 */
const shown = (header: HeaderResult): string =>
  JSON.stringify(header, (key, value) =>
    key === 'bytes' && value instanceof Uint8Array ? null : value,
  );
