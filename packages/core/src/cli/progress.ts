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
