/**
 * Delivery progress of one sink as the host saw it: a count of distinct records upstream, sampled
 * about once a second. Used by the flaky-link scenario (scenario-netem.ts) to say whether the
 * records kept arriving, and how unevenly.
 *
 * A stall is the time between two samples where the count went up, or from the last increase to
 * the end of the window: a sink that stops delivering before the end shows that tail as a stall.
 */
export interface Sample { atMs: number; count: number }

export interface Progress {
  /** Seconds from the window's start to the first record upstream; null if none arrived. */
  first_delivery_s: number | null;
  /** Distinct records upstream at the window's end. */
  delivered: number;
  /** Longest time without a new record, from the first delivery to the window's end. */
  max_stall_s: number | null;
  /** Records delivered per minute from the first delivery to the window's end. */
  records_per_min: number | null;
  /** Records that arrived in each whole or partial minute since the window's start. */
  per_minute: number[];
}

/** `samples` in time order; the window is [startMs, endMs]. */
export function progressOf(samples: readonly Sample[], startMs: number, endMs: number): Progress {
  const inWindow = samples.filter((s) => s.atMs >= startMs && s.atMs <= endMs);
  const atStart = samples.filter((s) => s.atMs < startMs).at(-1)?.count ?? 0;
  const per_minute = new Array<number>(Math.max(1, Math.ceil((endMs - startMs) / 60_000))).fill(0);
  let previous = atStart;
  let firstMs: number | null = null;
  let lastIncreaseMs: number | null = null;
  let maxStallMs = 0;
  for (const sample of inWindow) {
    if (sample.count <= previous) continue;
    if (firstMs === null) firstMs = sample.atMs;
    else maxStallMs = Math.max(maxStallMs, sample.atMs - lastIncreaseMs!);
    per_minute[Math.min(per_minute.length - 1, Math.floor((sample.atMs - startMs) / 60_000))]! += sample.count - previous;
    lastIncreaseMs = sample.atMs;
    previous = sample.count;
  }
  if (firstMs === null) return { first_delivery_s: null, delivered: atStart, max_stall_s: null, records_per_min: null, per_minute };
  maxStallMs = Math.max(maxStallMs, endMs - lastIncreaseMs!);
  const minutes = (endMs - firstMs) / 60_000;
  return {
    first_delivery_s: round1((firstMs - startMs) / 1000),
    delivered: previous,
    max_stall_s: round1(maxStallMs / 1000),
    records_per_min: minutes > 0 ? Math.round((previous - atStart) / minutes) : null,
    per_minute,
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
