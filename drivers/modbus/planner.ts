/**
 * Request planner: turns the points of a map into as few read requests as possible. Points of the
 * same unit id and table are sorted by address and merged while the merged request stays within
 * the protocol's limit (125 registers, 2000 bits) and the hole between neighbours is at most
 * `maxGap` registers. Holes are read and thrown away: a few wasted registers cost far less than a
 * round trip (a 9600-baud RTU request costs ~10 ms of turnaround on top of ~2 ms per register),
 * but some devices refuse to read across unmapped registers (IllegalDataAddress), so the gap is
 * configurable per device and 0 disables merging across holes.
 */
import type { Table } from './map-schema.js';

export const MAX_READ_REGISTERS = 125;
export const MAX_READ_BITS = 2000;

export interface PlannablePoint {
  table: Table;
  address: number;
  count: number;
  /** Overrides the device's unit id for this point. */
  unitId?: number;
}

export interface ReadRequest<P extends PlannablePoint = PlannablePoint> {
  /** undefined = the device's unit id. */
  unitId?: number;
  table: Table;
  start: number;
  count: number;
  points: P[];
}

export interface PlanOptions {
  /** Largest hole (in registers/bits) read through to merge two points. Default 10. */
  maxGap?: number;
  /** Largest register read; default and protocol maximum 125. */
  maxRegisters?: number;
  /** Largest coil/discrete read; default and protocol maximum 2000. */
  maxBits?: number;
}

export function planRequests<P extends PlannablePoint>(points: readonly P[], options: PlanOptions = {}): ReadRequest<P>[] {
  const maxGap = options.maxGap ?? 10;
  const maxRegisters = Math.min(options.maxRegisters ?? MAX_READ_REGISTERS, MAX_READ_REGISTERS);
  const maxBits = Math.min(options.maxBits ?? MAX_READ_BITS, MAX_READ_BITS);
  const groups = new Map<string, P[]>();
  for (const point of points) {
    const key = `${point.unitId ?? ''}/${point.table}`;
    const group = groups.get(key);
    if (group) group.push(point);
    else groups.set(key, [point]);
  }
  const requests: ReadRequest<P>[] = [];
  for (const group of groups.values()) {
    group.sort((a, b) => a.address - b.address || b.count - a.count);
    const first = group[0] as P;
    const limit = first.table === 'coil' || first.table === 'discrete' ? maxBits : maxRegisters;
    let current: ReadRequest<P> | undefined;
    for (const point of group) {
      const end = point.address + point.count;
      if (current) {
        const currentEnd = current.start + current.count;
        const gap = point.address - currentEnd;
        const mergedCount = Math.max(currentEnd, end) - current.start;
        if (gap <= maxGap && mergedCount <= limit) {
          current.count = mergedCount;
          current.points.push(point);
          continue;
        }
      }
      current = { table: point.table, start: point.address, count: point.count, points: [point] };
      if (point.unitId !== undefined) current.unitId = point.unitId;
      requests.push(current);
    }
  }
  return requests;
}
