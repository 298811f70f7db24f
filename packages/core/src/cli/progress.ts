import type { HeadersEvent } from '../site/build-headers.js';
import { formatProgress, logLineFor } from '../site/report.js';
import type { CliIO } from './io.js';

const BAR_WIDTH = 24;
const CLEAR_LINE = '\r\x1b[2K';

/**
 * How `generate` shows its work. On a terminal: a bar redrawn in place, with event lines
 * printed above it. Elsewhere (CI, pipes, files): one plain line per event.
 */
export function progressReporter(io: CliIO): { event(event: HeadersEvent): void; finish(): void } {
  let bar = '';
  const draw = () => io.write(`${CLEAR_LINE}${bar}`);
  return {
    event(event) {
      // The end-of-run summary is the table's job.
      if (event.type === 'done') return;
      if (io.isTTY && event.type === 'progress') {
        const filled = Math.round((event.done / Math.max(1, event.total)) * BAR_WIDTH);
        bar = `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ${formatProgress(event.done, event.total, event.counters)}`;
        draw();
        return;
      }
      const line = logLineFor(event);
      if (!line) return;
      if (!io.isTTY) {
        (line.level === 'info' ? io.out : io.err)(line.message);
        return;
      }
      io.write(`${CLEAR_LINE}${line.message}\n`);
      if (bar) draw();
    },
    finish() {
      if (io.isTTY && bar) io.write(`${CLEAR_LINE}${bar}\n`);
    },
  };
}

/** How often a counted line is redrawn at most. */
const REDRAW_MS = 100;

/**
 * How `push` and `pull` show their work on a terminal: `pulling 340/1000` redrawn in place
 * (at most every 100 ms, and at the last), cleared before their report. Nothing elsewhere
 * (CI, pipes, `--json`): their report lists every entry.
 */
export function countedProgress(
  io: CliIO,
  label: string,
  { quiet = false }: { quiet?: boolean } = {},
): { update(done: number, total: number): void; finish(): void } {
  let drawnAt = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update(done, total) {
      if (quiet || !io.isTTY) return;
      const now = performance.now();
      if (done < total && now - drawnAt < REDRAW_MS) return;
      drawnAt = now;
      drawn = true;
      io.write(`${CLEAR_LINE}${label} ${done}/${total}`);
    },
    finish() {
      if (drawn) io.write(CLEAR_LINE);
    },
  };
}
