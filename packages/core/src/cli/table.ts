/** A plain text table with aligned columns, for terminals and logs alike. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join(
    '\n',
  );
}

export const usd = (value: number | undefined | null) =>
  value === undefined || value === null
    ? '—'
    : `$${value < 0.01 && value > 0 ? value.toFixed(4) : value.toFixed(2)}`;
