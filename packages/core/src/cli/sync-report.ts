import { table } from './table.js';

/** One post's line in `push` and `pull`. */
export interface SyncRow {
  key: string;
  post: string;
  result: string;
}

/** The text `push` and `pull` print: a table of the posts they acted on, then `summary`. */
export function syncReport(rows: readonly SyncRow[], summary: string): string {
  if (rows.length === 0) return summary;
  const lines = table(
    ['post', 'key', 'result'],
    rows.map((row) => [row.post, row.key.slice(0, 12), row.result]),
  );
  return `${lines}\n\n${summary}`;
}
