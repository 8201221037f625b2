/**
 * Maintenance recommendation per device from its latest predictions and its active alarms.
 * The rule (first match wins; thresholds from `scoring.maintenance`):
 *   IMMEDIATE      any active critical alarm, or failure probability >= immediate_probability
 *   WITHIN_7_DAYS  any active warning alarm, or failure probability >= within_7_days_probability,
 *                  or RUL < within_7_days_rul_cycles
 *   WITHIN_30_DAYS failure probability >= within_30_days_probability, or RUL < within_30_days_rul_cycles
 *   NONE           otherwise
 * (RUL = the latest `remaining_cycles` output of a model, e.g. rul_capacity, when one is configured.)
 * Only predictions confident enough to act on (the card's act_from, models/scoring/basis.ts) count;
 * until a device has one, the recommendation rests on its alarms alone and says so (basis).
 * It is emitted as a prediction record of the pseudo-model `maintenance` whose output
 * `recommendation` is the level code (0 NONE, 1 WITHIN_30_DAYS, 2 WITHIN_7_DAYS, 3 IMMEDIATE),
 * because prediction outputs are numbers; the code is ordered so that larger means more urgent.
 */
import type { MaintenanceConfig } from '../config.js';
import type { AlarmSeverity, PredictionBasis } from '../../core/record.js';
import { lower, type Confidence } from './basis.js';

export const MAINTENANCE_LEVELS = ['NONE', 'WITHIN_30_DAYS', 'WITHIN_7_DAYS', 'IMMEDIATE'] as const;
export type MaintenanceLevel = (typeof MAINTENANCE_LEVELS)[number];
export const MAINTENANCE_MODEL = 'maintenance';
export const MAINTENANCE_VERSION = '1.0.0';

export interface MaintenanceInputs {
  /** Latest failure probability of any failure model for the device (max if several). */
  failureProbability?: number;
  rulCycles?: number;
  activeAlarms: readonly { severity: AlarmSeverity }[];
}

export function recommend(inputs: MaintenanceInputs, cfg: MaintenanceConfig): MaintenanceLevel {
  const p = inputs.failureProbability;
  const rul = inputs.rulCycles;
  if (inputs.activeAlarms.some((a) => a.severity === 'critical') || (p !== undefined && p >= cfg.immediate_probability)) return 'IMMEDIATE';
  if (inputs.activeAlarms.some((a) => a.severity === 'warning')
    || (p !== undefined && p >= cfg.within_7_days_probability)
    || (rul !== undefined && rul < cfg.within_7_days_rul_cycles)) return 'WITHIN_7_DAYS';
  if ((p !== undefined && p >= cfg.within_30_days_probability) || (rul !== undefined && rul < cfg.within_30_days_rul_cycles)) return 'WITHIN_30_DAYS';
  return 'NONE';
}

export function levelCode(level: MaintenanceLevel): number {
  return MAINTENANCE_LEVELS.indexOf(level);
}

export interface MaintenanceState {
  /** `<model>.<output>` -> latest value of the predictions confident enough to act on. */
  latest: Record<string, number>;
  /** model -> confidence of its prediction in `latest`. */
  used: Record<string, Confidence>;
  activeAlarms: readonly { severity: AlarmSeverity }[];
  /** The models configured for the device's kind. */
  models: readonly string[];
  historyH: number;
}

/**
 * The level code and its basis: the device's history, the configured models with no prediction to
 * act on yet (as missing inputs), and the lowest confidence of those used ('low' on alarms alone).
 */
export function maintenanceFor(s: MaintenanceState, cfg: MaintenanceConfig): { code: number; basis: PredictionBasis } {
  const probabilities = Object.entries(s.latest).filter(([k]) => k.endsWith('.failure_probability')).map(([, v]) => v);
  const rul = Object.entries(s.latest).find(([k]) => k.endsWith('.remaining_cycles') || k.endsWith('.rul_cycles'))?.[1];
  const level = recommend({
    ...(probabilities.length ? { failureProbability: Math.max(...probabilities) } : {}),
    ...(rul !== undefined ? { rulCycles: rul } : {}),
    activeAlarms: s.activeAlarms,
  }, cfg);
  const levels = Object.values(s.used);
  return {
    code: levelCode(level),
    basis: {
      historyH: s.historyH,
      missingInputs: s.models.filter((m) => s.used[m] === undefined),
      confidence: levels.length ? levels.reduce(lower) : 'low',
    },
  };
}
