import { describe, expect, it } from 'vitest';
import type { PipelineEvent } from '../pipeline/events.js';
import { emptySummary } from '../pipeline/summary.js';
import { logLineFor } from './report.js';

const { durationMs: _, ...zero } = emptySummary();

/**
 * The progress lines a log gets for a run of `total` images, `cached` of them hits: spread
 * evenly among the generated ones, or all of them first (`hitsFirst`). Each image is counted
 * as it is done, as the pipeline counts them (`tally.ts`).
 */
function progressLines(total: number, cached: number, hitsFirst = false): string[] {
  const lines: string[] = [];
  for (let done = 1; done <= total; done++) {
    const hits = hitsFirst ? Math.min(done, cached) : Math.floor((done * cached) / total);
    const event: PipelineEvent = {
      type: 'progress',
      done,
      total,
      counters: { ...zero, cached: hits, generated: done - hits },
    };
    const line = logLineFor(event);
    if (line) lines.push(line.message);
  }
  return lines;
}

describe('logLineFor progress', () => {
  it('is quiet in a warm build: the summary says it all', () => {
    expect(progressLines(1000, 1000)).toEqual([]);
  });

  it('is quiet while every image so far was cached, when hits are counted one by one', () => {
    // The last ten are generated after 990 hits, each counted as it is done.
    expect(progressLines(1000, 990, true)).toEqual(['headers 1000/1000 · 990 cached · $0.00']);
  });

  it('prints about ten lines however many images, ending with the last', () => {
    const lines = progressLines(1000, 990);
    expect(lines).toHaveLength(10);
    expect(lines.at(-1)).toBe('headers 1000/1000 · 990 cached · $0.00');
  });

  it('prints every image of a small run', () => {
    expect(progressLines(3, 0)).toEqual([
      'headers 1/3 · 0 cached · $0.00',
      'headers 2/3 · 0 cached · $0.00',
      'headers 3/3 · 0 cached · $0.00',
    ]);
  });
});

describe('logLineFor remote-hit', () => {
  it('has no line of its own: the progress lines count the images read through', () => {
    const hit: PipelineEvent = { type: 'remote-hit', key: 'k', files: ['src/content/blog/a.md'] };
    expect(logLineFor(hit)).toBeUndefined();
    const counters = { ...zero, remoteHits: 1000 };
    expect(logLineFor({ type: 'progress', done: 1000, total: 1000, counters })?.message).toBe(
      'headers 1000/1000 · 0 cached · 1000 from remote · $0.00',
    );
  });
});

describe('logLineFor generated', () => {
  it("names the candidate when the image is not a post's first", () => {
    const event = (candidate?: number): PipelineEvent => ({
      type: 'generated',
      key: 'k',
      files: ['src/content/blog/mountains.md'],
      ...(candidate === undefined ? {} : { candidate }),
      costUsd: 0.039,
      durationMs: 1200,
    });
    expect(logLineFor(event())?.message).toBe(
      'generated src/content/blog/mountains.md · $0.04 · 1.2 s',
    );
    expect(logLineFor(event(2))?.message).toBe(
      'generated src/content/blog/mountains.md (candidate 2) · $0.04 · 1.2 s',
    );
  });
});
