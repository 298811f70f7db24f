import { matchesGlob } from 'node:path';
import type { RemoteCache } from '../cache/remote-cache.js';
import { openRemote } from '../cache/remote-cache.js';
import { openWarmIndex } from '../cache/warm-index.js';
import type { HeaderforgeError } from '../errors/headerforge-error.js';
import type { OpenRouterClientOptions } from '../openrouter/client.js';
import type { PipelineEvent } from '../pipeline/events.js';
import type { HeaderJob } from '../pipeline/header-job.js';
import { runPipeline } from '../pipeline/run-pipeline.js';
import { emptySummary, type PipelineResult } from '../pipeline/summary.js';
import { createOpenRouterProvider } from '../providers/openrouter.js';
import type { Provider } from '../providers/provider.js';
import { resolveRemote } from '../remote/settings.js';
import { type ModeDecision, resolveMode } from './mode.js';
import {
  type HeaderforgeOptions,
  type ResolvedHeaderforgeOptions,
  resolveOptions,
} from './options.js';
import { type ScanResult, scanContent } from './scan.js';
import { siteClient } from './site-client.js';

export type HeadersEvent =
  | PipelineEvent
  | { type: 'mode'; decision: ModeDecision }
  | { type: 'remote'; label: string; readOnly: boolean }
  | { type: 'scanned'; files: number; headers: number; skipped: number; durationMs: number }
  | { type: 'retry'; model: string; attempt: number; delayMs: number; error: HeaderforgeError };

export interface BuildHeadersInput {
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
  /** Only posts whose content path (relative to the root) matches this glob. */
  only?: string;
}

export interface BuildHeadersResult extends PipelineResult {
  mode: ModeDecision;
  options: ResolvedHeaderforgeOptions;
  scan: ScanResult;
  /** Jobs shown as placeholders because generation was deferred (see `deferGeneration`). */
  deferred: HeaderJob[];
  /** The shared remote cache this run used, if the site has one. */
  remote?: { label: string; readOnly: boolean } | undefined;
}

/**
 * The whole story for one site: validate options, pick the mode, scan the content, then
 * make every header. Failures are in `result.failures`; `failuresError(result)` turns them
 * into the error a build should end with.
 */
export async function buildHeaders(input: BuildHeadersInput): Promise<BuildHeadersResult> {
  const env = input.env ?? process.env;
  const emit = input.onEvent ?? (() => {});
  const options = resolveOptions(input.options, { root: input.root });
  const apiKey = input.client?.apiKey ?? env.OPENROUTER_API_KEY?.trim();
  const mode = resolveMode({ option: options.mode, env, hasApiKey: Boolean(apiKey) });
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
  const scanned = await scanContent(options, warmIndex);
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

  const defer = mode.mode === 'generate' && input.deferGeneration === true;
  const provider =
    mode.mode === 'generate' && !defer ? providerFor(options, env, input.client, emit) : undefined;
  const pipelineMode = defer ? 'placeholder' : mode.mode;
  const result = await withRemote(options, env, emit, (remote) =>
    runPipeline(scan.jobs, {
      settings: options,
      mode: pipelineMode,
      ...(provider ? { provider } : {}),
      onEvent: emit,
      ...(input.signal ? { signal: input.signal } : {}),
      remote,
      warmIndex,
    }),
  );
  const deferred = defer
    ? result.headers.filter((header) => header.placeholder).map((header) => header.job)
    : [];
  const remote = resolveRemote(options, env);
  return {
    ...result,
    mode,
    options,
    scan,
    deferred,
    ...(remote ? { remote: { label: remote.location.label, readOnly: remote.readOnly } } : {}),
  };
}

/** The OpenRouter provider a site's options and environment call for. */
export function providerFor(
  options: ResolvedHeaderforgeOptions,
  env: NodeJS.ProcessEnv,
  overrides: Partial<OpenRouterClientOptions> | undefined,
  emit: (event: HeadersEvent) => void,
): Provider {
  return createOpenRouterProvider(
    siteClient(env, options, {
      ...overrides,
      onRetry: (event) => emit({ type: 'retry', ...event }),
    }),
  );
}

/**
 * Runs `work` with the site's remote cache open (if it has one), and closes it afterwards
 * so that its connection never keeps the process alive. A remote that fails is reported
 * once, as a warning: the build goes on with the local cache and generation.
 */
export async function withRemote<T>(
  options: ResolvedHeaderforgeOptions,
  env: NodeJS.ProcessEnv,
  emit: (event: HeadersEvent) => void,
  work: (remote: RemoteCache | undefined) => Promise<T>,
): Promise<T> {
  const settings = resolveRemote(options, env);
  if (!settings) return work(undefined);
  emit({ type: 'remote', label: settings.location.label, readOnly: settings.readOnly });
  const remote = openRemote(settings, env, (error) =>
    emit({
      type: 'warning',
      message: `remote cache unavailable: ${error.message}. Carrying on with the local cache and generating; no more remote calls in this run.${error.hint ? ` (${error.hint})` : ''}`,
    }),
  );
  try {
    return await work(remote);
  } finally {
    await remote.close();
  }
}
