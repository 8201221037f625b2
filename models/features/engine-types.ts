/**
 * Configuration, persisted state and output types of the online battery feature engine (engine.ts).
 * The state is plain JSON data: the agent stores it as is and hands it back after a restart.
 */
import type { QvCapture, QvGrid } from './qv-capture.js';
import type { ResistanceConfig, ResistanceState } from './resistance.js';
import type { RollingState, RollingStats } from './rolling.js';
import type { deltaQStatistics } from './severson.js';

export type SegmentKind = 'charge' | 'discharge' | 'rest';

export interface EngineConfig {
  nominalCapacityAh: number;
  /** Cells in series: pack voltage / seriesCells is the cell voltage used for Q(V) capture. */
  seriesCells: number;
  /** |current| below this (A) counts as rest. */
  restCurrentA: number;
  /** Readings further apart than this (s) are a data gap: nothing is integrated across it. */
  maxGapS: number;
  qvGrid: QvGrid;
  /** Q(V) of the first full discharge at or after this cycle is the dQ(V) reference (Severson: 10). */
  qvReferenceCycle: number;
  /** ... and at or after this one the late curve of the cycle_life inputs (Severson: 100). */
  qvLateCycle: number;
  tempThresholdsC: number[];
  rollingWindowS: number;
  rollingMaxSamples: number;
  resistance: ResistanceConfig;
  maxCapacityHistory: number;
  maxSegments: number;
  /** A partial discharge spanning at least this many SoC points estimates capacity as Ah / dSoC. */
  minSocSwingPct: number;
}

export function defaultEngineConfig(nominalCapacityAh: number, overrides: Partial<EngineConfig> = {}): EngineConfig {
  return {
    nominalCapacityAh,
    seriesCells: 1,
    restCurrentA: 0.02 * nominalCapacityAh,
    maxGapS: 60,
    qvGrid: { highV: 3.6, lowV: 2.0, points: 200 },
    qvReferenceCycle: 10,
    qvLateCycle: 100,
    tempThresholdsC: [40, 50, 60],
    rollingWindowS: 600,
    rollingMaxSamples: 3600,
    // 15 s: BMS polling is often 5-10 s; OCV moves little in that time at moderate currents.
    resistance: { minStepA: 0.5 * nominalCapacityAh, maxStepDtS: 15, smoothing: 0.2 },
    minSocSwingPct: 50,
    maxCapacityHistory: 5000,
    maxSegments: 50,
    ...overrides,
  };
}

export interface SegmentSummary {
  kind: SegmentKind;
  startMs: number;
  endMs: number;
  /** Charge moved during the segment (Ah, positive). */
  ah: number;
  /** True when a data gap interrupted the segment (its Ah is then incomplete). */
  gap: boolean;
  /** Reported state of charge when the segment started / last seen in it (null when not reported). */
  socStartPct: number | null;
  socEndPct: number | null;
}

export interface CapacityPoint {
  cycle: number;
  capacityAh: number;
  /** coulomb: full Q(V) discharge; soc_swing: partial discharge Ah / dSoC; bms: reported by the device. */
  source: 'coulomb' | 'soc_swing' | 'bms';
}

export interface LastReading { tsMs: number; v: number | null; i: number | null; cellV: number | null; tempMaxC: number | null; soc: number | null }

export const ROLLING_SIGNALS = ['packVoltageV', 'packCurrentA', 'tempMaxC', 'tempSpreadC', 'cellSpreadV'] as const;
export type RollingSignal = (typeof ROLLING_SIGNALS)[number];

export interface EngineState {
  last: LastReading | null;
  current: (SegmentSummary & { qv: QvCapture | null }) | null;
  segments: SegmentSummary[];
  dischargedAh: number;
  chargedAh: number;
  bmsCycleCount: number | null;
  capacityHistory: CapacityPoint[];
  qvReference: { cycle: number; q: number[] } | null;
  qvLatest: { cycle: number; q: number[] } | null;
  qvLate: { cycle: number; q: number[] } | null;
  tempAboveS: number[];
  resistance: ResistanceState;
  rolling: Record<RollingSignal, RollingState>;
}

export interface EngineFeatures {
  segment: SegmentKind | null;
  segmentDurationS: number;
  equivalentFullCycles: number;
  cycles: number;
  lastDischargeCapacityAh: number | null;
  capacityFraction: number | null;
  fadeRatePer100Cycles: number | null;
  resistanceOhm: number | null;
  tempAboveS: Record<string, number>;
  rolling: Record<RollingSignal, RollingStats>;
  deltaQ: ReturnType<typeof deltaQStatistics> | null;
}
