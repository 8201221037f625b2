/**
 * Q(V) capture on a fixed, descending cell-voltage grid during a discharge: the discharged charge (Ah)
 * at which the cell voltage first crosses each grid voltage, linearly interpolated between readings.
 * This is the curve Severson et al. build their dQ(V) features from; the grid follows their layout
 * (high voltage first).
 */

export interface QvGrid {
  highV: number;
  lowV: number;
  points: number;
}

export interface QvCapture {
  /** Discharged Ah at each grid voltage, null until the voltage has been crossed. */
  q: (number | null)[];
  /** Index of the next grid point to fill (grid is crossed in descending order). */
  next: number;
  lastV: number | null;
  lastQ: number;
  /** True once the discharge started at or above the grid's top voltage. */
  startedAboveTop: boolean;
}

export function gridVoltages(grid: QvGrid): number[] {
  const step = (grid.highV - grid.lowV) / (grid.points - 1);
  return Array.from({ length: grid.points }, (_, i) => grid.highV - i * step);
}

export function startCapture(grid: QvGrid, cellV: number): QvCapture {
  return { q: new Array<number | null>(grid.points).fill(null), next: 0, lastV: cellV, lastQ: 0, startedAboveTop: cellV >= grid.highV };
}

/** Feed one reading: cell voltage and the Ah discharged since the segment started. */
export function feedCapture(c: QvCapture, grid: QvGrid, cellV: number, dischargedAh: number): void {
  const step = (grid.highV - grid.lowV) / (grid.points - 1);
  const prevV = c.lastV;
  const prevQ = c.lastQ;
  while (c.next < grid.points && cellV <= grid.highV - c.next * step) {
    const target = grid.highV - c.next * step;
    if (prevV === null || prevV <= cellV) {
      c.q[c.next] = dischargedAh;
    } else {
      // Voltage fell from prevV to cellV while charge rose from prevQ: interpolate the crossing.
      const frac = Math.min(1, Math.max(0, (prevV - target) / (prevV - cellV)));
      c.q[c.next] = prevQ + frac * (dischargedAh - prevQ);
    }
    c.next++;
  }
  c.lastV = cellV;
  c.lastQ = dischargedAh;
}

/** The finished curve when the discharge covered the whole grid, re-based to Q = 0 at the top voltage
 * (as in the published arrays), else undefined. */
export function completedCurve(c: QvCapture): number[] | undefined {
  if (!c.startedAboveTop || c.next < c.q.length) return undefined;
  const q0 = c.q[0] as number;
  return c.q.map((v) => (v as number) - q0);
}
