/**
 * Population stability index of live model inputs against the training distribution stored in
 * the card (`feature_distribution`: bin edges and fractions).
 *   PSI = sum_i (live_i - train_i) * ln(live_i / train_i)
 * Values outside the edges count in the first/last bin (training histograms were built the same
 * way, see models/fleet/train.py). Empty bins are floored at EPS so PSI stays finite.
 * Rule of thumb: < 0.1 stable, 0.1-0.25 moderate shift, > 0.25 major shift.
 */

const EPS = 1e-4;

export function binIndex(edges: readonly number[], x: number): number {
  const bins = edges.length - 1;
  // Binary search for the last edge <= x, clamped to the outer bins.
  let lo = 0;
  let hi = bins - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (x >= (edges[mid] as number)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function psi(trainFractions: readonly number[], liveCounts: readonly number[]): number {
  const total = liveCounts.reduce((a, b) => a + b, 0);
  if (total === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < trainFractions.length; i++) {
    const t = Math.max(trainFractions[i] as number, EPS);
    const l = Math.max((liveCounts[i] ?? 0) / total, EPS);
    sum += (l - t) * Math.log(l / t);
  }
  return sum;
}

/** Sliding window of the last `window` values of one feature, kept as a ring plus bin counts. */
export class FeatureWindow {
  private readonly ring: number[] = [];
  private next = 0;
  readonly counts: number[];

  constructor(private readonly edges: readonly number[], private readonly window: number) {
    this.counts = new Array<number>(edges.length - 1).fill(0);
  }

  add(x: number): void {
    const bin = binIndex(this.edges, x);
    if (this.ring.length < this.window) this.ring.push(bin);
    else {
      const old = this.ring[this.next] as number;
      this.counts[old] = (this.counts[old] as number) - 1;
      this.ring[this.next] = bin;
      this.next = (this.next + 1) % this.window;
    }
    this.counts[bin] = (this.counts[bin] as number) + 1;
  }

  get size(): number {
    return this.ring.length;
  }
}
