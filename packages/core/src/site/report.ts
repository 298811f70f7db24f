import { HeaderforgeError } from '../errors/headerforge-error.js';
import type { PipelineResult, PipelineSummary, PostFailure } from '../pipeline/summary.js';
import type { HeadersEvent } from './build-headers.js';

const usd = (value: number) =>
  `$${value < 0.01 && value > 0 ? value.toFixed(4) : value.toFixed(2)}`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One progress line, e.g. `headers 12/40 · 9 cached · $0.27`. */
export function formatProgress(
  done: number,
  total: number,
  counters: Omit<PipelineSummary, 'durationMs'>,
): string {
  const parts = [`headers ${done}/${total}`, `${counters.cached} cached`];
  if (counters.remoteHits) parts.push(`${counters.remoteHits} from remote`);
  if (counters.reused) parts.push(`${counters.reused} from another build`);
  if (counters.placeholders) parts.push(`${counters.placeholders} placeholder`);
  if (counters.failed) parts.push(`${counters.failed} failed`);
  parts.push(usd(counters.costUsd));
  return parts.join(' · ');
}

/** The end-of-run line, e.g. `40 headers · 3 generated · 37 cached · 0 failed · $0.12 · 4.1 s`. */
export function formatSummary(summary: PipelineSummary): string {
  const parts = [
    `${summary.posts} header${summary.posts === 1 ? '' : 's'}`,
    `${summary.generated} generated`,
    `${summary.cached} cached`,
  ];
  if (summary.remoteHits) parts.push(`${summary.remoteHits} from remote`);
  if (summary.reused) parts.push(`${summary.reused} from another build`);
  if (summary.remoteWrites) parts.push(`${summary.remoteWrites} uploaded`);
  if (summary.remoteRejected) parts.push(`${summary.remoteRejected} remote rejected`);
  if (summary.remoteFallbacks)
    parts.push(
      `${summary.remoteFallbacks} remote fallback${summary.remoteFallbacks === 1 ? '' : 's'}`,
    );
  if (summary.placeholders)
    parts.push(`${summary.placeholders} placeholder${summary.placeholders === 1 ? '' : 's'}`);
  if (summary.skipped) parts.push(`${summary.skipped} over budget`);
  if (summary.corrupt) parts.push(`${summary.corrupt} corrupt set aside`);
  parts.push(`${summary.failed} failed`, usd(summary.costUsd), seconds(summary.durationMs));
  return parts.join(' · ');
}

/**
 * The error that ends a run with failures: every failed post with its reason, and each
 * distinct hint once (fifty posts missing from a cache-only build share one hint).
 */
export function failuresError(result: {
  failures: PipelineResult['failures'];
  summary?: Pick<PipelineSummary, 'posts'>;
}): HeaderforgeError | undefined {
  const { failures } = result;
  if (failures.length === 0) return undefined;
  const byHint = new Map<string, PostFailure[]>();
  for (const failure of failures) {
    const hint = failure.hint ?? '';
    byHint.set(hint, [...(byHint.get(hint) ?? []), failure]);
  }
  const of = result.summary ? ` of ${result.summary.posts}` : '';
  const lines = [
    `${failures.length}${of} header image${failures.length === 1 && !of ? '' : 's'} could not be made:`,
  ];
  for (const [hint, group] of byHint) {
    // Posts failed by one failure of the run or of a model (a revoked key fails them all)
    // share one line; each other failure is its post's own.
    const byMessage = new Map<string, PostFailure[]>();
    group.forEach((failure, i) => {
      const id = failure.scope ? `${failure.scope}\0${failure.message}` : String(i);
      byMessage.set(id, [...(byMessage.get(id) ?? []), failure]);
    });
    for (const same of byMessage.values()) {
      const [first] = same as [PostFailure];
      const { message } = first;
      lines.push(
        same.length === 1
          ? `  ${first.file}${first.line ? `:${first.line}` : ''}: ${message}`
          : `  ${same.length} posts (${postList(same.map((failure) => failure.file))}): ${message}`,
      );
    }
    if (hint) lines.push(`    hint: ${hint}`);
  }
  const onlyMisses = failures.every((failure) => failure.code === 'cache_miss');
  return new HeaderforgeError(onlyMisses ? 'cache_miss' : 'generation_failed', lines.join('\n'), {
    hint: onlyMisses
      ? 'Run `npx headerforge generate` with OPENROUTER_API_KEY set and commit the cache folder, or set HEADERFORGE_MODE=placeholder.'
      : 'Images that were generated are kept in the cache: fixing the posts above and building again pays only for those.',
  });
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
}

const postList = (files: string[]) =>
  files.length <= 2 ? files.join(', ') : `${files[0]} and ${files.length - 1} more`;

/**
 * The log line (if any) for a build event: one line per event, quiet when everything is
 * cached, and never the API key or an image's data URL (events carry neither).
 */
export function logLineFor(event: HeadersEvent): LogLine | undefined {
  switch (event.type) {
    case 'mode':
      return event.decision.warning
        ? { level: 'warn', message: event.decision.warning }
        : { level: 'info', message: `mode ${event.decision.mode} (${event.decision.reason})` };
    case 'remote':
      return {
        level: 'info',
        message: `remote cache ${event.label}${event.readOnly ? ' (read-only)' : ''}`,
      };
    case 'scanned':
      return {
        level: 'info',
        message: `${event.headers} header${event.headers === 1 ? '' : 's'} in ${event.files} content files (${Math.round(event.durationMs)} ms)`,
      };
    case 'deferred':
      return event.pending === 0
        ? undefined
        : {
            level: 'info',
            message: `${event.pending} of ${event.posts} headers pending: made in the background, pages update as they land`,
          };
    case 'planned':
      return event.missing === 0
        ? undefined
        : {
            level: 'info',
            message: `${event.unique} images: ${event.cached} cached, ${event.missing} ${event.mode === 'generate' ? 'to generate' : event.mode === 'placeholder' ? 'as placeholders' : 'missing'}`,
          };
    case 'waiting':
      return {
        level: 'info',
        message: `waiting for another build that is generating ${postList(event.files)}`,
      };
    case 'generated':
      return {
        level: 'info',
        message: `generated ${postList(event.files)}${event.candidate === undefined ? '' : ` (candidate ${event.candidate})`}${event.costUsd === undefined ? '' : ` · ${usd(event.costUsd)}`} · ${seconds(event.durationMs)}`,
      };
    case 'remote-hit':
      // Counted in the progress lines and the summary ("· N from remote"): a line each was a
      // thousand lines for a thousand posts read through, and cost the build's first run ~30 ms.
      return undefined;
    case 'remote-written':
      return { level: 'info', message: `uploaded to the remote cache: ${postList(event.files)}` };
    case 'remote-rejected':
      return {
        level: 'warn',
        message: `refused the remote cache's entry for ${postList(event.files)} (${event.reason}; ${event.name}); it is treated as missing and never copied`,
      };
    case 'corrupt':
      return {
        level: 'warn',
        message: `set aside a bad cache entry (${event.reason}) in ${event.movedTo}`,
      };
    case 'skipped':
      return { level: 'warn', message: `skipped ${postList(event.files)}: ${event.reason}` };
    case 'failed':
      return { level: 'error', message: `${postList(event.files)}: ${event.error.message}` };
    case 'halted': {
      const { error, model } = event;
      const hint = error.hint ? ` ${error.hint}` : '';
      return {
        level: 'error',
        message: `${error.message.replace(/[.\s]+$/, '')}. No more ${model ? `${model} ` : ''}requests in this build.${hint}`,
      };
    }
    case 'retry':
      return {
        level: 'warn',
        message: `${event.error.code === 'rate_limited' ? 'rate limited' : event.error.message} (${event.model}); retrying in ${seconds(event.delayMs)}`,
      };
    case 'progress': {
      // A warm build prints its summary only: no line while every image so far was cached
      // (a warm index counts its hits one by one, not all before the first image). Otherwise
      // a line about every tenth of the way: each generated image has its own line, and a log
      // is not a progress bar.
      if (event.counters.cached >= event.done) return undefined;
      const step = Math.max(1, Math.ceil(event.total / 10));
      return event.done % step === 0 || event.done === event.total
        ? { level: 'info', message: formatProgress(event.done, event.total, event.counters) }
        : undefined;
    }
    case 'warning':
      return { level: 'warn', message: event.message };
    case 'done':
      return { level: 'info', message: formatSummary(event.summary) };
    default:
      return undefined;
  }
}
