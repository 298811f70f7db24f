import { describe, expect, it } from 'vitest';
import type { CliIO } from './io.js';
import { countedProgress } from './progress.js';

/** A terminal (or not) that keeps what was written to it. */
function terminal(isTTY: boolean) {
  const written: string[] = [];
  const io: CliIO = {
    out: (text) => written.push(`${text}\n`),
    write: (text) => written.push(text),
    err: (text) => written.push(`${text}\n`),
    env: {},
    isTTY,
  };
  return { io, written };
}

const CLEAR = '\r\x1b[2K';

describe('countedProgress', () => {
  it('redraws one line in place on a terminal, at most every 100 ms and at the last, and clears it', () => {
    const { io, written } = terminal(true);
    const progress = countedProgress(io, 'pulling');
    for (let done = 1; done <= 500; done++) progress.update(done, 500);
    progress.finish();
    // Drawn at the first and at the last (500 calls take far less than 100 ms), then cleared.
    expect(written[0]).toBe(`${CLEAR}pulling 1/500`);
    expect(written.at(-2)).toBe(`${CLEAR}pulling 500/500`);
    expect(written.at(-1)).toBe(CLEAR);
    expect(written.length).toBeLessThan(20);
    expect(written.every((text) => !text.includes('\n'))).toBe(true);
  });

  it('writes nothing off a terminal, nor when asked to be quiet (--json)', () => {
    for (const [isTTY, quiet] of [
      [false, false],
      [true, true],
    ] as const) {
      const { io, written } = terminal(isTTY);
      const progress = countedProgress(io, 'uploading', { quiet });
      for (let done = 1; done <= 10; done++) progress.update(done, 10);
      progress.finish();
      expect(written).toEqual([]);
    }
  });
});
