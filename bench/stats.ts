/** Small numeric helpers for the benchmark tables. */

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function spread(values: number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

export function seconds(ms: number): string {
  return ms < 10_000 ? (ms / 1000).toFixed(2) : (ms / 1000).toFixed(1);
}

export function mb(value: number): string {
  return value.toFixed(0);
}

export function bytesMb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(2);
}

export function count(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : "n/a";
}

export function pass(ok: boolean): string {
  return ok ? "PASS" : "MISS";
}

/** A markdown table; numbers should already be formatted. */
export function table(headers: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}
