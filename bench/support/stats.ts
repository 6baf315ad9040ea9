/** Small helpers shared by the benchmarks: percentiles, medians and table printing. */

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Prints rows as an aligned text table with a header. */
export function printTable(title: string, rows: ReadonlyArray<Record<string, string | number>>): void {
  const first = rows[0];
  if (!first) return;
  const headers = Object.keys(first);
  const cells = rows.map((row) => headers.map((h) => format(row[h])));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (values: string[]) => values.map((v, i) => v.padStart(widths[i] as number)).join("  ");
  process.stdout.write(`\n${title}\n${line(headers)}\n${line(widths.map((w) => "-".repeat(w)))}\n`);
  for (const row of cells) process.stdout.write(`${line(row)}\n`);
}

function format(value: string | number | undefined): string {
  if (typeof value !== "number") return value ?? "";
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(Math.abs(value) >= 100 ? 0 : 2);
}
