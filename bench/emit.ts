/** Every benchmark prints one JSON object per result line: {"bench": NAME, "value": N, "unit": U}. */
export interface BenchResult {
  bench: string;
  value: number;
  unit: string;
  /** Optional context (sizes, counts) that makes the number reproducible. */
  detail?: Record<string, unknown>;
}

export function emit(bench: string, value: number, unit: string, detail?: Record<string, unknown>): void {
  const result: BenchResult = { bench, value: Number(value.toPrecision(6)), unit, ...(detail ? { detail } : {}) };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Percentile of an unsorted sample (nearest-rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}
