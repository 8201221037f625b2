/**
 * Online per-device battery feature engine: fed canonical battery readings one at a time, it keeps
 * a small JSON-serialisable state (persisted by the agent across restarts) and exposes the features
 * the models consume. The offline training step calls the same feature functions (severson.ts,
 * trajectory.ts) on the published datasets, so serving and training cannot drift apart.
 */
import type { BatterySignals } from '../../core/record.js';
import {
  ROLLING_SIGNALS,
  type CapacityPoint,
  type EngineConfig,
  type EngineFeatures,
  type EngineState,
  type RollingSignal,
  type SegmentKind,
  type SegmentSummary,
} from './engine-types.js';
import { completedCurve, feedCapture, startCapture } from './qv-capture.js';
import { emptyResistance, updateResistance } from './resistance.js';
import { emptyRolling, pushRolling, rollingStats, type RollingState, type RollingStats } from './rolling.js';
import { capacityFadeFeatures, deltaQStatistics, type SeversonFeatures } from './severson.js';
import { fitLine } from './stats.js';
import { trajectoryFeatures, type TrajectoryFeatures } from './trajectory.js';

export * from './engine-types.js';

const fin = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

export class BatteryFeatureEngine {
  constructor(readonly config: EngineConfig, private state: EngineState = BatteryFeatureEngine.emptyState(config)) {}

  static emptyState(config: EngineConfig): EngineState {
    const rolling = Object.fromEntries(ROLLING_SIGNALS.map((s) => [s, emptyRolling()])) as Record<RollingSignal, RollingState>;
    return {
      last: null, current: null, segments: [], dischargedAh: 0, chargedAh: 0, bmsCycleCount: null,
      capacityHistory: [], qvReference: null, qvLatest: null, qvLate: null,
      tempAboveS: config.tempThresholdsC.map(() => 0), resistance: emptyResistance(), rolling,
    };
  }

  toJSON(): { version: 1; config: EngineConfig; state: EngineState } {
    return { version: 1, config: this.config, state: this.state };
  }

  static fromJSON(json: unknown): BatteryFeatureEngine {
    const j = (typeof json === 'string' ? JSON.parse(json) : json) as { version?: number; config: EngineConfig; state: EngineState };
    if (j.version !== 1) throw new Error(`unsupported feature engine state version ${String(j.version)}`);
    return new BatteryFeatureEngine(j.config, structuredClone(j.state));
  }

  /** Equivalent full cycles: charge throughput (in + out) / 2 over nominal capacity, the definition
   * most BMSs (and the simulator's cycleCount) use. */
  equivalentFullCycles(): number {
    return (this.state.dischargedAh + this.state.chargedAh) / 2 / this.config.nominalCapacityAh;
  }

  /** Cycle index: the BMS cycle counter when the device reports one, else equivalent full cycles. */
  cycles(): number {
    return this.state.bmsCycleCount ?? this.equivalentFullCycles();
  }

  update(tsMs: number, b: BatterySignals): void {
    const s = this.state;
    const v = fin(b.packVoltageV);
    const i = fin(b.packCurrentA);
    const cellV = v === null ? null : v / this.config.seriesCells;
    const tempMaxC = fin(b.tempMaxC);
    const soc = fin(b.socPct);
    const prev = s.last;
    const dt = prev ? (tsMs - prev.tsMs) / 1000 : 0;
    if (prev && dt <= 0) return; // duplicate or out-of-order reading: ignore rather than integrate backwards
    const gap = prev !== null && dt > this.config.maxGapS;
    const kind: SegmentKind | null = i === null ? null : i > this.config.restCurrentA ? 'charge' : i < -this.config.restCurrentA ? 'discharge' : 'rest';

    // Coulomb counting (trapezoid) over the interval since the previous reading.
    let intervalAh = 0;
    if (prev && !gap && i !== null && prev.i !== null) {
      intervalAh = ((prev.i + i) / 2) * (dt / 3600);
      if (intervalAh < 0) s.dischargedAh -= intervalAh;
      else s.chargedAh += intervalAh;
      s.tempAboveS.forEach((_, k) => {
        if (prev.tempMaxC !== null && prev.tempMaxC > (this.config.tempThresholdsC[k] as number)) s.tempAboveS[k]! += dt;
      });
      if (prev.v !== null && v !== null) updateResistance(s.resistance, this.config.resistance, { tsMs: prev.tsMs, v: prev.v, i: prev.i }, { tsMs, v, i });
    }
    if (s.current && gap) s.current.gap = true;
    // An interval during which the state changed belongs to the segment whose direction matches the
    // charge that moved (the one ending, else the one starting), so no charge is counted twice.
    const matches = (k: SegmentKind) => (k === 'discharge' && intervalAh < 0) || (k === 'charge' && intervalAh > 0);
    if (s.current && (s.current.kind === kind || kind === null)) this.addToSegment(intervalAh, tsMs, cellV, soc);
    else if (kind !== null) {
      const endingTookIt = s.current !== null && matches(s.current.kind);
      if (s.current) this.addToSegment(endingTookIt ? intervalAh : 0, tsMs, null, null);
      this.closeSegment();
      s.current = {
        kind, startMs: tsMs, endMs: tsMs, ah: 0, gap: false, socStartPct: prev?.soc ?? soc, socEndPct: soc,
        qv: kind === 'discharge' && cellV !== null ? startCapture(this.config.qvGrid, prev?.cellV ?? cellV) : null,
      };
      this.addToSegment(!endingTookIt && matches(kind) ? intervalAh : 0, tsMs, cellV, soc);
    }

    if (b.cycleCount !== undefined && Number.isFinite(b.cycleCount)) s.bmsCycleCount = b.cycleCount;
    this.recordBmsCapacity(b);
    this.pushRolling(tsMs, b);
    s.last = { tsMs, v, i, cellV, tempMaxC, soc };
  }

  private addToSegment(intervalAh: number, tsMs: number, cellV: number | null, soc: number | null): void {
    const seg = this.state.current;
    if (!seg) return;
    seg.ah += Math.abs(intervalAh);
    seg.endMs = tsMs;
    if (soc !== null) seg.socEndPct = soc;
    if (seg.qv && cellV !== null) feedCapture(seg.qv, this.config.qvGrid, cellV, seg.ah);
  }

  private closeSegment(): void {
    const s = this.state;
    const seg = s.current;
    if (!seg) return;
    const { qv, ...summary } = seg;
    s.segments.push(summary);
    if (s.segments.length > this.config.maxSegments) s.segments.shift();
    const curve = qv && !seg.gap ? completedCurve(qv) : undefined;
    if (!curve) {
      // Most field discharges are partial: with a wide enough SoC swing, Ah / dSoC estimates capacity
      // (only as good as the BMS's SoC, which is why full discharges take precedence).
      const swing = seg.socStartPct !== null && seg.socEndPct !== null ? seg.socStartPct - seg.socEndPct : 0;
      if (seg.kind === 'discharge' && !seg.gap && swing >= this.config.minSocSwingPct) {
        this.pushCapacity({ cycle: this.cycles(), capacityAh: seg.ah / (swing / 100), source: 'soc_swing' });
      }
      return;
    }
    // A discharge that swept the whole Q(V) grid is a full discharge: its charge is a capacity measurement.
    const cycle = this.cycles();
    this.pushCapacity({ cycle, capacityAh: seg.ah, source: 'coulomb' });
    s.qvLatest = { cycle, q: curve };
    if (!s.qvReference && cycle >= this.config.qvReferenceCycle) s.qvReference = { cycle, q: curve };
    if (!s.qvLate && cycle >= this.config.qvLateCycle) s.qvLate = { cycle, q: curve };
  }

  /** BMS-reported capacity (full capacity, else SoH x nominal), at most one point per whole cycle. */
  private recordBmsCapacity(b: BatterySignals): void {
    const ah = fin(b.fullCapacityAh) ?? (fin(b.sohPct) === null ? null : (b.sohPct as number) / 100 * this.config.nominalCapacityAh);
    if (ah === null) return;
    const cycle = this.cycles();
    const lastBms = [...this.state.capacityHistory].reverse().find((p) => p.source === 'bms');
    if (lastBms && Math.floor(lastBms.cycle) === Math.floor(cycle)) return;
    this.pushCapacity({ cycle, capacityAh: ah, source: 'bms' });
  }

  private pushCapacity(p: CapacityPoint): void {
    const h = this.state.capacityHistory;
    h.push(p);
    if (h.length > this.config.maxCapacityHistory) h.shift();
  }

  private pushRolling(tsMs: number, b: BatterySignals): void {
    const cells = b.cellVoltagesV;
    const spreadV = fin(b.cellVoltageMaxV) !== null && fin(b.cellVoltageMinV) !== null
      ? (b.cellVoltageMaxV as number) - (b.cellVoltageMinV as number)
      : cells && cells.length > 1 ? Math.max(...cells) - Math.min(...cells) : NaN;
    const values: Record<RollingSignal, number> = {
      packVoltageV: b.packVoltageV ?? NaN,
      packCurrentA: b.packCurrentA ?? NaN,
      tempMaxC: b.tempMaxC ?? NaN,
      tempSpreadC: (b.tempMaxC ?? NaN) - (b.tempMinC ?? NaN),
      cellSpreadV: spreadV,
    };
    for (const sig of ROLLING_SIGNALS) {
      pushRolling(this.state.rolling[sig], tsMs, values[sig], this.config.rollingWindowS, this.config.rollingMaxSamples);
    }
  }

  segments(): readonly SegmentSummary[] {
    const cur = this.state.current;
    if (!cur) return this.state.segments;
    const { qv: _qv, ...summary } = cur;
    return [...this.state.segments, summary];
  }

  capacityHistory(): readonly CapacityPoint[] {
    return this.state.capacityHistory;
  }

  /** Capacity as a fraction of nominal, one value per whole cycle 1..floor(cycles), carrying the latest
   * measurement forward; cycles before the first measurement take its value. Input of trajectory.ts. */
  capacityFractionPerCycle(): number[] {
    const h = this.state.capacityHistory;
    const n = Math.floor(this.cycles());
    if (h.length === 0 || n < 1) return [];
    const out: number[] = [];
    let j = 0;
    for (let k = 1; k <= n; k++) {
      while (j + 1 < h.length && (h[j + 1] as CapacityPoint).cycle <= k) j++;
      out.push((h[j] as CapacityPoint).capacityAh / this.config.nominalCapacityAh);
    }
    return out;
  }

  trajectory(eolFrac: number): TrajectoryFeatures | undefined {
    const frac = this.capacityFractionPerCycle();
    return frac.length >= 2 ? trajectoryFeatures(frac, eolFrac) : undefined;
  }

  /**
   * cycle_life model inputs, once the device has a full-discharge Q(V) at or after cycle 10 and
   * another at or after cycle 100, and capacity history through cycle 100 (capacity fraction per
   * cycle x nominal stands in for the lab's per-cycle discharge capacity).
   */
  seversonInputs(): SeversonFeatures | undefined {
    const s = this.state;
    const frac = this.capacityFractionPerCycle();
    if (!s.qvReference || !s.qvLate || frac.length < 100 || s.qvReference.q.length !== s.qvLate.q.length) return undefined;
    const cycles = frac.map((_, k) => k + 1);
    const ah = frac.map((f) => f * this.config.nominalCapacityAh);
    return { ...deltaQStatistics(s.qvReference.q, s.qvLate.q), ...capacityFadeFeatures(cycles, ah) };
  }

  features(): EngineFeatures {
    const s = this.state;
    const h = s.capacityHistory;
    const lastCoulomb = [...h].reverse().find((p) => p.source === 'coulomb');
    const lastPoint = h[h.length - 1];
    const recent = h.slice(-50);
    const fade = recent.length >= 2 ? fitLine(recent.map((p) => p.cycle), recent.map((p) => p.capacityAh / this.config.nominalCapacityAh)).slope * 100 : null;
    const cur = s.current;
    return {
      segment: cur?.kind ?? null,
      segmentDurationS: cur ? (cur.endMs - cur.startMs) / 1000 : 0,
      equivalentFullCycles: this.equivalentFullCycles(),
      cycles: this.cycles(),
      lastDischargeCapacityAh: lastCoulomb?.capacityAh ?? null,
      capacityFraction: lastPoint ? lastPoint.capacityAh / this.config.nominalCapacityAh : null,
      fadeRatePer100Cycles: fade !== null && Number.isFinite(fade) ? fade : null,
      resistanceOhm: s.resistance.ohm,
      tempAboveS: Object.fromEntries(this.config.tempThresholdsC.map((t, k) => [`above_${t}C`, s.tempAboveS[k] as number])),
      rolling: Object.fromEntries(ROLLING_SIGNALS.map((sig) => [sig, rollingStats(s.rolling[sig])])) as Record<RollingSignal, RollingStats>,
      deltaQ: s.qvReference && s.qvLatest && s.qvLatest.cycle > s.qvReference.cycle
        ? deltaQStatistics(s.qvReference.q, s.qvLatest.q) : null,
    };
  }
}
