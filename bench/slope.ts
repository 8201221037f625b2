/** Least-squares slope of y over x (RSS in MB over hours gives MB/h); 0 for fewer than two distinct x. */
export function leastSquaresSlope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n === 0) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/**
 * Standard error of that slope (residual spread over the spread of x): RSS swings by tens of MB
 * with the V8 old generation, so a slope of a few MB/h can be noise; a slope within two standard
 * errors of the goal does not show the goal missed. NaN for fewer than three points.
 */
export function slopeStandardError(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 3) return Number.NaN;
  const b = leastSquaresSlope(points);
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const residuals = points.reduce((s, [x, y]) => s + (y - my - b * (x - mx)) ** 2, 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? Number.NaN : Math.sqrt(residuals / (n - 2) / den);
}
