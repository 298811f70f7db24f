import type { HeaderforgeError } from './errors.js';
import { type ModeDecision, resolveMode } from './mode.js';
import { createOpenRouterClient, type OpenRouterClientOptions } from './openrouter/client.js';
import {
  type HeaderforgeOptions,
  type ResolvedHeaderforgeOptions,
  resolveOptions,
} from './options.js';
import { emptySummary, type PipelineEvent, type PipelineResult, runPipeline } from './pipeline.js';
import { createOpenRouterProvider } from './providers/openrouter.js';
import { type ScanResult, scanContent } from './scan.js';

export type HeadersEvent =
  | PipelineEvent
  | { type: 'mode'; decision: ModeDecision }
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
}

export interface BuildHeadersResult extends PipelineResult {
  mode: ModeDecision;
  options: ResolvedHeaderforgeOptions;
  scan: ScanResult;
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
    return { mode, options, scan: empty, headers: [], failures: [], summary: emptySummary() };
  }

  const scanStarted = performance.now();
  const scan = await scanContent(options);
  emit({
    type: 'scanned',
    files: scan.files,
    headers: scan.jobs.length,
    skipped: scan.skipped.length,
    durationMs: performance.now() - scanStarted,
  });

  // The environment beats the site's config, so CI or a test can point every entry point elsewhere.
  const baseURL = env.OPENROUTER_BASE_URL?.trim() || options.baseURL;
  const provider =
    mode.mode === 'generate'
      ? createOpenRouterProvider(
          createOpenRouterClient({
            ...input.client,
            ...(apiKey ? { apiKey } : {}),
            ...(baseURL ? { baseURL } : {}),
            timeoutMs: options.timeoutMs,
            maxRetries: options.maxRetries,
            onRetry: (event) => emit({ type: 'retry', ...event }),
          }),
        )
      : undefined;
  const result = await runPipeline(scan.jobs, {
    settings: options,
    mode: mode.mode,
    ...(provider ? { provider } : {}),
    onEvent: emit,
    ...(input.signal ? { signal: input.signal } : {}),
  });
  return { ...result, mode, options, scan };
}
