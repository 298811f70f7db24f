import type { HeaderforgeError } from '../errors/headerforge-error.js';
import type { PipelineMode } from './settings.js';
import type { Counters, PipelineSummary } from './summary.js';

/** What a run reports as it goes; `site/report.ts` turns each into a log line. */
export type PipelineEvent =
  | {
      type: 'planned';
      posts: number;
      unique: number;
      cached: number;
      missing: number;
      mode: PipelineMode;
    }
  | { type: 'corrupt'; key: string; reason: string; movedTo: string }
  | { type: 'waiting'; key: string; files: string[] }
  | { type: 'started'; key: string; files: string[]; model: string }
  | {
      type: 'generated';
      key: string;
      files: string[];
      /** Which of the posts' candidates it is, from 2; absent for the first. */
      candidate?: number;
      costUsd?: number | undefined;
      durationMs: number;
    }
  | { type: 'placeholder'; key: string; files: string[] }
  | { type: 'remote-hit'; key: string; files: string[] }
  | { type: 'remote-rejected'; key: string; files: string[]; reason: string; name: string }
  | { type: 'remote-written'; key: string; files: string[] }
  | { type: 'failed'; key: string; files: string[]; error: HeaderforgeError }
  /**
   * A failure that every request of its scope would meet (the key, the credits, the API's
   * address; or a model that does not exist): no more such requests start in this run, and
   * the posts they were for fail with it, each without an event of its own.
   */
  | { type: 'halted'; error: HeaderforgeError; model?: string }
  | { type: 'skipped'; key: string; files: string[]; reason: string }
  | { type: 'progress'; done: number; total: number; counters: Counters }
  | { type: 'warning'; message: string }
  | { type: 'done'; summary: PipelineSummary };
