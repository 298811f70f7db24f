import { HeaderforgeError } from './errors.js';
import type { PipelineResult, PipelineSummary, PostFailure } from './pipeline.js';

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
  if (summary.reused) parts.push(`${summary.reused} from another build`);
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
export function failuresError(
  result: Pick<PipelineResult, 'failures' | 'summary'>,
): HeaderforgeError | undefined {
  const { failures } = result;
  if (failures.length === 0) return undefined;
  const byHint = new Map<string, PostFailure[]>();
  for (const failure of failures) {
    const hint = failure.hint ?? '';
    byHint.set(hint, [...(byHint.get(hint) ?? []), failure]);
  }
  const lines = [`${failures.length} of ${result.summary.posts} header images could not be made:`];
  for (const [hint, group] of byHint) {
    for (const failure of group) {
      lines.push(`  ${failure.file}${failure.line ? `:${failure.line}` : ''}: ${failure.message}`);
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
