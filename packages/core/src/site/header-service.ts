import { generationKey } from '../cache/keys.js';
import { asHeaderforgeError, type HeaderforgeError } from '../errors/headerforge-error.js';
import type { HeaderJob } from '../pipeline/header-job.js';
import { jobKeyInput } from '../pipeline/header-job.js';
import { runPipeline } from '../pipeline/run-pipeline.js';
import type { HeaderResult, PostFailure } from '../pipeline/summary.js';
import type { Provider } from '../providers/provider.js';
import { type BuildHeadersInput, type BuildHeadersResult, buildHeaders } from './build-headers.js';
import { scanContent } from './scan.js';
import { providerFor } from './site-provider.js';
import { withRemote } from './with-remote.js';

/** What a host (Vite, Astro) is told when the headers it serves change. */
export type ServiceUpdate =
  | { type: 'headers-changed'; files: string[]; placeholder: boolean }
  | { type: 'failed'; failures: PostFailure[] }
  /** The content could not be scanned, or background work failed as a whole. */
  | { type: 'error'; error: HeaderforgeError };

export interface HeaderService {
  /** The first full run, started once however often it is asked for. */
  ready(): Promise<BuildHeadersResult>;
  /** The headers being served now, by content file (relative to the root). */
  headers(): ReadonlyMap<string, HeaderResult>;
  /**
   * Rescans the content after an edit. Posts whose generation key changed get offline art
   * at once (reported as `headers-changed` with `placeholder: true`), then the real image in
   * the background (reported again when it lands). An edit that keeps the key costs nothing.
   */
  refresh(): Promise<void>;
  /** Also tell `listener` about updates; returns a function that stops it. */
  subscribe(listener: (update: ServiceUpdate) => void): () => void;
}

export interface HeaderServiceInput extends BuildHeadersInput {
  onUpdate?: (update: ServiceUpdate) => void;
}

const jobKey = (job: HeaderJob) => generationKey(jobKeyInput(job));

/** Same image, same crop: nothing to redo for the post. */
const sameHeader = (a: HeaderJob, b: HeaderJob) =>
  jobKey(a) === jobKey(b) && a.focus === b.focus && a.alt === b.alt && a.title === b.title;

export function createHeaderService(input: HeaderServiceInput): HeaderService {
  const served = new Map<string, HeaderResult>();
  const listeners = new Set<(update: ServiceUpdate) => void>(
    input.onUpdate ? [input.onUpdate] : [],
  );
  const notify = (update: ServiceUpdate) => {
    for (const listener of listeners) listener(update);
  };
  const emit = input.onEvent ?? (() => {});
  const settings = (options: BuildHeadersResult['options']) => ({
    ...options,
    variants: input.variants !== false,
  });
  let first: Promise<BuildHeadersResult> | undefined;
  // Refreshes run one after another, so two quick saves cannot interleave their results.
  let queue: Promise<void> = Promise.resolve();

  function ready(): Promise<BuildHeadersResult> {
    first ??= buildHeaders(input).then((result) => {
      for (const header of result.headers) served.set(header.job.file, header);
      if (result.deferred.length > 0) {
        const env = input.env ?? process.env;
        generateInBackground(
          result.deferred,
          result.options,
          providerFor(result.options, env, input.client, emit),
        ).catch((error: unknown) => notify({ type: 'error', error: asHeaderforgeError(error) }));
      }
      return result;
    });
    return first;
  }

  async function refreshNow(): Promise<void> {
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
    const env = input.env ?? process.env;
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
      generateInBackground(waiting, options, providerFor(options, env, input.client, emit)).catch(
        (error: unknown) => notify({ type: 'error', error: asHeaderforgeError(error) }),
      );
    }
  }

  async function generateInBackground(
    jobs: HeaderJob[],
    options: BuildHeadersResult['options'],
    provider: Provider,
  ): Promise<void> {
    const result = await withRemote(options, input.env ?? process.env, emit, (remote) =>
      runPipeline(jobs, {
        settings: settings(options),
        mode: 'generate',
        provider,
        onEvent: emit,
        remote,
      }),
    );
    // Keep only what still matches the post: it may have been edited again meanwhile.
    const landed: string[] = [];
    for (const header of result.headers) {
      const now = served.get(header.job.file);
      if (now && sameHeader(now.job, header.job)) {
        served.set(header.job.file, header);
        landed.push(header.job.file);
      }
    }
    if (landed.length > 0) notify({ type: 'headers-changed', files: landed, placeholder: false });
    if (result.failures.length > 0) notify({ type: 'failed', failures: result.failures });
  }

  return {
    ready,
    headers: () => served,
    refresh() {
      queue = queue.then(refreshNow, refreshNow);
      return queue;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
