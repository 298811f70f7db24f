import { table } from './table.js';

/** One post's line in `push` and `pull`. */
export interface SyncRow {
  key: string;
  post: string;
  result: string;
}

export interface SyncReport {
  json: boolean | undefined;
  /** The remote's label (nothing secret in it). */
  remote: string;
  dryRun: boolean | undefined;
  rows: readonly SyncRow[];
  /** The command's own counts, listed in the JSON after the entries. */
  counts: Record<string, number>;
  /** The remote failure that cut the run short, if any. */
  error: Error | undefined;
  /** The last line of the text report. */
  summary: string;
}

/**
 * What `push` and `pull` print: with `--json` one object (remote, dryRun, entries, the
 * counts, error); otherwise a table of the posts they acted on, then the summary line.
 */
export function syncReport(report: SyncReport): string {
  const { rows, summary } = report;
  if (report.json) {
    return JSON.stringify(
      {
        remote: report.remote,
        dryRun: Boolean(report.dryRun),
        entries: rows,
        ...report.counts,
        error: report.error ? report.error.message : null,
      },
      null,
      2,
    );
  }
  if (rows.length === 0) return summary;
  const lines = table(
    ['post', 'key', 'result'],
    rows.map((row) => [row.post, row.key.slice(0, 12), row.result]),
  );
  return `${lines}\n\n${summary}`;
}
