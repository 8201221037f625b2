/**
 * Fault schedule: which configured faults are active at a simulated time, and their strength.
 * A fault is active on [start_s, start_s + duration_s) (open-ended without duration_s). Its type
 * name is the ground-truth label put in `faults` of every reading produced while it is active.
 * Faults that cannot apply to the device kind (a charger has no cells, a pack no power stage) are
 * ignored and never labelled, so a label always means a physically present effect.
 */
import type { DeviceKind } from '../../core/record.js';
import type { SimulatedFault, SimulatedFaultType } from './config.js';

/** Device kinds each fault type applies to. */
export const FAULT_KINDS: Record<SimulatedFaultType, readonly DeviceKind[]> = {
  internal_short: ['battery'],
  cooling_failure: ['battery'],
  sensor_stuck: ['battery', 'charger'],
  sensor_drift: ['battery', 'charger'],
  charger_overtemp: ['charger'],
  ground_fault: ['charger'],
  comms_loss: ['battery', 'charger'],
};

/**
 * Default severity per type, in the unit that type uses:
 *  internal_short   leakage current in A; default C/20 (3 A on a 60 Ah cell, a ~1.2 ohm short)
 *  cooling_failure  fraction of heat transfer lost, 0-1; default 0.9
 *  sensor_stuck     unused (the sensor freezes at its value at onset)
 *  sensor_drift     drift rate in degC per hour; default 2
 *  charger_overtemp extra heat in % of rated power from a degraded power stage, with the cooling
 *                   fan lost (heat transfer down to 10 %); default 5
 *  ground_fault     unused (trips immediately)
 *  comms_loss       unused (no readings at all)
 */
export function defaultSeverity(type: SimulatedFaultType, capacityAh: number): number {
  switch (type) {
    case 'internal_short':
      return capacityAh / 20;
    case 'cooling_failure':
      return 0.9;
    case 'sensor_drift':
      return 2;
    case 'charger_overtemp':
      return 5;
    default:
      return 1;
  }
}

export interface ScheduledFault {
  type: SimulatedFaultType;
  startS: number;
  endS: number;
  index: number;
  severity: number;
}

const NO_FAULTS: readonly ScheduledFault[] = [];

export class FaultSchedule {
  readonly faults: readonly ScheduledFault[];

  constructor(configured: readonly SimulatedFault[], kind: DeviceKind, capacityAh: number) {
    this.faults = configured
      .filter((f) => FAULT_KINDS[f.type].includes(kind))
      .map((f) => ({
        type: f.type,
        startS: f.start_s,
        endS: f.duration_s === undefined ? Number.POSITIVE_INFINITY : f.start_s + f.duration_s,
        index: f.index,
        severity: f.severity ?? defaultSeverity(f.type, capacityAh),
      }));
  }

  active(tS: number): readonly ScheduledFault[] {
    if (this.faults.length === 0) return NO_FAULTS;
    return this.faults.filter((f) => tS >= f.startS && tS < f.endS);
  }

  isActive(type: SimulatedFaultType, tS: number): boolean {
    return this.faults.some((f) => f.type === type && tS >= f.startS && tS < f.endS);
  }

  /** Sorted distinct labels of the faults active at tS. */
  labels(tS: number): string[] {
    if (this.faults.length === 0) return [];
    return [...new Set(this.active(tS).map((f) => f.type))].sort();
  }

  /** Next fault start or end strictly after tS (sub-steps stop there so onsets are exact). */
  nextBoundary(tS: number): number {
    let next = Number.POSITIVE_INFINITY;
    for (const f of this.faults) {
      if (f.startS > tS && f.startS < next) next = f.startS;
      if (f.endS > tS && f.endS < next) next = f.endS;
    }
    return next;
  }
}
