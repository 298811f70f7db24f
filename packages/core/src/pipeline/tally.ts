import type { RemoteOutcome } from '../cache/tiered-store.js';
import type { HeaderforgeError } from '../errors/headerforge-error.js';
import type { PipelineEvent } from './events.js';
import { filesOf, type ImageGroup, postList } from './plan.js';
import { emptySummary, type PipelineSummary, type PostFailure } from './summary.js';

/**
 * A run's counters and failures, and the events that report them. Every outcome of an
 * image is recorded here and only here, so the summary and the log always agree.
 */
export interface Tally {
  /** Failed posts, in the order they failed. */
  readonly failures: PostFailure[];
  corrupt(key: string, reason: string, movedTo: string): void;
  cached(): void;
  /** Made by another build while we waited for its lock. */
  reused(): void;
  placeholder(group: ImageGroup): void;
  /** A paid answer came back (counted as spent even if it then cannot be saved). */
  paid(costUsd: number | undefined): void;
  generated(group: ImageGroup, costUsd: number | undefined, durationMs: number): void;
  skipped(group: ImageGroup, reason: string): void;
  /**
   * The image failed, and its posts with it. A failure that reaches further than its own
   * request (`error.scope`) is reported once, by a `halted` event, however many it fails.
   */
  failed(group: ImageGroup, error: HeaderforgeError): void;
  remote(outcome: RemoteOutcome): void;
  warning(message: string): void;
  /** One more image is done, whatever became of it. */
  progress(): void;
  summary(durationMs: number): PipelineSummary;
}

export function createTally(
  groups: readonly ImageGroup[],
  posts: number,
  emit: (event: PipelineEvent) => void,
  remoteLabel: string | undefined,
  /** Images beside `groups` that need no lookup (known whole): counted, and reported done. */
  knownImages = 0,
): Tally {
  const total = groups.length + knownImages;
  const { durationMs: _, ...counters }: PipelineSummary = {
    ...emptySummary(),
    posts,
    unique: total,
  };
  const byKey = new Map(groups.map((group) => [group.key, group]));
  const files = (key: string) => {
    const group = byKey.get(key);
    return group ? filesOf(group) : [];
  };
  // Per key, so an image whose lookup, lease and upload all fell back counts once.
  const fellBack = new Set<string>();
  const rejected = new Set<string>();
  const failures: PostFailure[] = [];
  let done = 0;

  // The scopes already reported halted: the run itself (''), or a model.
  const halted = new Set<string>();
  /** Whether `error` is told by a `halted` event (the first of its scope) or not at all. */
  const toldOnce = (group: ImageGroup, error: HeaderforgeError): boolean => {
    if (!error.scope) return false;
    const model = error.scope === 'model' ? group.input.model : '';
    if (!halted.has(model)) {
      halted.add(model);
      emit({ type: 'halted', error, ...(model ? { model } : {}) });
    }
    return true;
  };

  const failed = (group: ImageGroup, error: HeaderforgeError) => {
    const told = toldOnce(group, error);
    if (group.jobs.length === 0) {
      if (told) return;
      // A candidate no post shows: its page is whole without it.
      emit({
        type: 'warning',
        message: `candidate ${group.input.candidate ?? 1} not made for ${filesOf(group).join(', ')}: ${error.message}`,
      });
      return;
    }
    counters.failed += 1;
    if (!told) emit({ type: 'failed', key: group.key, files: filesOf(group), error });
    for (const job of group.jobs) {
      failures.push({
        file: job.file,
        line: job.line,
        key: group.key,
        code: error.code,
        message: error.message,
        hint: error.hint,
        ...(error.scope ? { scope: error.scope } : {}),
      });
    }
  };

  const remote = (outcome: RemoteOutcome) => {
    const { key } = outcome;
    switch (outcome.type) {
      case 'hit':
        counters.remoteHits += 1;
        emit({ type: 'remote-hit', key, files: files(key) });
        return;
      case 'rejected':
        if (rejected.has(key)) return;
        rejected.add(key);
        counters.remoteRejected = rejected.size;
        emit({
          type: 'remote-rejected',
          key,
          files: files(key),
          reason: outcome.reason,
          name: outcome.name,
        });
        return;
      case 'written':
        counters.remoteWrites += 1;
        emit({ type: 'remote-written', key, files: files(key) });
        return;
      case 'exists':
        emit({
          type: 'warning',
          message: `${remoteLabel} already has an entry for ${postList(files(key))} (key ${key.slice(0, 12)}); it was kept, not overwritten`,
        });
        return;
      case 'unavailable':
        fellBack.add(key);
        counters.remoteFallbacks = fellBack.size;
        return;
    }
  };

  return {
    failures,
    corrupt(key, reason, movedTo) {
      counters.corrupt += 1;
      emit({ type: 'corrupt', key, reason, movedTo });
    },
    cached() {
      counters.cached += 1;
    },
    reused() {
      counters.reused += 1;
    },
    placeholder(group) {
      counters.placeholders += 1;
      emit({ type: 'placeholder', key: group.key, files: filesOf(group) });
    },
    paid(costUsd) {
      counters.costUsd += costUsd ?? 0;
    },
    generated(group, costUsd, durationMs) {
      counters.generated += 1;
      const { candidate } = group.input;
      emit({
        type: 'generated',
        key: group.key,
        files: filesOf(group),
        ...(candidate === undefined ? {} : { candidate }),
        costUsd,
        durationMs,
      });
    },
    skipped(group, reason) {
      counters.skipped += 1;
      emit({ type: 'skipped', key: group.key, files: filesOf(group), reason });
    },
    failed,
    remote,
    warning(message) {
      emit({ type: 'warning', message });
    },
    progress() {
      done += 1;
      emit({ type: 'progress', done, total, counters: { ...counters } });
    },
    summary(durationMs) {
      return { ...counters, durationMs };
    },
  };
}
