/**
 * Small numeric helpers shared by the online feature engine and the offline dataset features.
 * Population moments (divide by n) match numpy/scipy defaults, so TS and Python feature values agree.
 */

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Population variance (numpy `var` with ddof=0). */
export function variance(xs: readonly number[]): number {
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return s / xs.length;
}

/** Fisher-Pearson skewness, biased (scipy.stats.skew default). */
export function skewness(xs: readonly number[]): number {
  const m = mean(xs);
  const v = variance(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 3;
  return s / xs.length / v ** 1.5;
}

/** Pearson kurtosis (not excess), biased: scipy.stats.kurtosis(fisher=False). */
export function kurtosis(xs: readonly number[]): number {
  const m = mean(xs);
  const v = variance(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 4;
  return s / xs.length / (v * v);
}

export interface LineFit {
  slope: number;
  intercept: number;
}

/** Ordinary least-squares line y = slope * x + intercept. */
export function fitLine(xs: readonly number[], ys: readonly number[]): LineFit {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return { slope: NaN, intercept: n === 1 ? (ys[0] ?? NaN) : NaN };
  const mx = mean(xs.slice(0, n));
  const my = mean(ys.slice(0, n));
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    sxy += dx * ((ys[i] as number) - my);
    sxx += dx * dx;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/** Quadratic least-squares fit y = a*x^2 + b*x + c via the 3x3 normal equations (x centred). */
export function fitQuadratic(xs: readonly number[], ys: readonly number[]): { a: number; b: number; c: number } {
  const n = Math.min(xs.length, ys.length);
  if (n < 3) return { a: 0, ...(() => { const l = fitLine(xs, ys); return { b: l.slope, c: l.intercept }; })() };
  const mx = mean(xs.slice(0, n));
  // Sums of powers of the centred x, for numerical stability on cycle numbers in the thousands.
  let s1 = 0, s2 = 0, s3 = 0, s4 = 0, t0 = 0, t1 = 0, t2 = 0;
  for (let i = 0; i < n; i++) {
    const x = (xs[i] as number) - mx;
    const y = ys[i] as number;
    s1 += x; s2 += x * x; s3 += x ** 3; s4 += x ** 4;
    t0 += y; t1 += x * y; t2 += x * x * y;
  }
  const m = [[s4, s3, s2], [s3, s2, s1], [s2, s1, n]];
  const r = [t2, t1, t0];
  const sol = solve3(m, r);
  if (!sol) return { a: 0, b: 0, c: t0 / n };
  const [a, bc, cc] = sol;
  // Undo the centring: a(x-m)^2 + b(x-m) + c.
  return { a, b: bc - 2 * a * mx, c: a * mx * mx - bc * mx + cc };
}

function solve3(m: number[][], r: number[]): [number, number, number] | undefined {
  const det = (a: number[][]) =>
    a[0]![0]! * (a[1]![1]! * a[2]![2]! - a[1]![2]! * a[2]![1]!) -
    a[0]![1]! * (a[1]![0]! * a[2]![2]! - a[1]![2]! * a[2]![0]!) +
    a[0]![2]! * (a[1]![0]! * a[2]![1]! - a[1]![1]! * a[2]![0]!);
  const d = det(m);
  if (!Number.isFinite(d) || Math.abs(d) < 1e-300) return undefined;
  const col = (k: number) => m.map((row, i) => row.map((v, j) => (j === k ? r[i]! : v)));
  return [det(col(0)) / d, det(col(1)) / d, det(col(2)) / d];
}

/** log10 of the magnitude, the transform Severson et al. apply to every Delta-Q statistic. */
export function log10Abs(x: number): number {
  return Math.log10(Math.abs(x));
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Centred median filter (window 5, truncated at the ends): removes single-cycle glitches. */
export function centredMedian(xs: readonly number[], window = 5): number[] {
  const h = window >> 1;
  return xs.map((_, i) => median(xs.slice(Math.max(0, i - h), Math.min(xs.length, i + h + 1))));
}

/**
 * Replace isolated spikes: a value further than `maxRelDev` (relative) from the median of its centred
 * window takes that median; every other value is kept exactly (unlike a plain median filter, which
 * also shifts the ends of a smoothly fading series).
 */
export function despike(xs: readonly number[], window = 5, maxRelDev = 0.05): number[] {
  const med = centredMedian(xs, window);
  return xs.map((x, i) => {
    const m = med[i] as number;
    return Math.abs(x - m) > maxRelDev * Math.abs(m) ? m : x;
  });
}
