/**
 * A simulated battery pack with its BMS: the cell model (pack.ts) driven by a duty profile, with
 * the configured faults applied, read out the way a BMS reports it.
 *
 * Reported values:
 *  - socPct is the BMS pack SoC of a series string: remaining / full usable charge, where the
 *    emptiest cell sets "remaining" and the fullest cell sets "room to full" (see
 *    Pack.capacityState). With balanced cells it equals the mean SoC; with an imbalanced pack it
 *    is lower than the mean, as a real BMS shows.
 *  - sohPct = mean cell capacity / nominal capacity x 100; cycleCount = equivalent full cycles.
 *  - Temperatures are over the few module sensors (min/max/mean), not over cells.
 *  - Measurement noise: cell voltages 1 mV (reported in mV), current 20 mA + 0.1 %, pack voltage
 *    50 mV, temperatures 0.1 degC (reported in 0.1 degC), from a noise stream separate from the
 *    physics so sampling more often never changes the physics.
 */
import type { BatterySignals, ChargingState } from '../../core/record.js';
import type { DriverReading } from '../driver.js';
import { batteryAlarms } from './alarms.js';
import { chargeCurrentLimit, dischargeCurrentLimit } from './bms.js';
import { CHEMISTRIES, type ChemistryParams } from './chemistry.js';
import type { DeviceOptions, DeviceSimulator } from './device.js';
import { FaultSchedule, type ScheduledFault } from './faults.js';
import { Pack } from './pack.js';
import { type Demand, DriveProfile, IdleProfile, type Profile, StorageProfile } from './profiles.js';
import { GaussianTable, Rng } from './rng.js';
import { sensorCells, sensorCount } from './thermal.js';

/** Largest sub-step at rest (s); while current flows it is config.max_step_s (default 1 s). */
export const MAX_STEP_REST_S = 60;
/** Nominal cell voltage that turns Ah into Wh for the power C-rates. */
const NOMINAL_CELL_V = { nmc: 3.65, lfp: 3.2 } as const;

export class BatterySimulator implements DeviceSimulator {
  readonly pack: Pack;
  readonly chem: ChemistryParams;
  readonly sensors: number;
  private readonly profile: Profile;
  private readonly faults: FaultSchedule;
  private readonly noise: GaussianTable;
  private t = 0;
  /** Frozen value per sensor while sensor_stuck is active (NaN when not stuck). */
  private readonly stuckC: Float64Array;
  private lastPhase = 'rest';
  private readonly maxActiveStepS: number;

  constructor(opts: DeviceOptions, seed: number) {
    const c = opts.config;
    const root = new Rng(seed);
    this.chem = CHEMISTRIES[c.chemistry];
    this.pack = new Pack(
      {
        chem: this.chem,
        cells: c.cells_series,
        capacityAh: c.capacity_ah,
        ambientC: c.ambient_c,
        initialSoc: c.initial_soc_pct / 100,
        initialCycles: c.initial_cycles,
        initialAgeDays: c.initial_age_days,
      },
      root.fork(1),
    );
    const params = {
      nominalAh: c.capacity_ah,
      nominalWh: c.cells_series * c.capacity_ah * NOMINAL_CELL_V[c.chemistry],
      chargerW: c.max_power_kw * 1000,
      maxChargeC: this.chem.maxChargeC,
      chargeVoltageV: this.chem.chargeVoltageV,
      startTs: opts.startTs,
    };
    const profileRng = root.fork(2);
    this.profile =
      c.profile === 'drive' ? new DriveProfile(params, profileRng) : c.profile === 'storage' ? new StorageProfile(params, profileRng) : new IdleProfile();
    this.noise = new GaussianTable(root.fork(3));
    this.faults = new FaultSchedule(c.faults, 'battery', c.capacity_ah);
    this.sensors = sensorCount(c.cells_series);
    this.stuckC = new Float64Array(this.sensors).fill(Number.NaN);
    this.maxActiveStepS = c.max_step_s;
  }

  get timeS(): number {
    return this.t;
  }

  get phase(): string {
    return this.lastPhase;
  }

  step(dtS: number): void {
    const end = this.t + dtS;
    while (end - this.t > 1e-9) {
      this.applyFaults();
      const status = { socPct: this.socPct(), currentA: this.pack.currentA, packVoltageV: this.pack.packV };
      const next = this.profile.next(this.t, status);
      this.lastPhase = next.phase;
      const maxStep = next.demand.kind === 'rest' ? MAX_STEP_REST_S : this.maxActiveStepS;
      let h = Math.min(end - this.t, maxStep, this.faults.nextBoundary(this.t) - this.t);
      if (next.untilS - this.t > 1e-9) h = Math.min(h, next.untilS - this.t);
      this.pack.step(h, this.currentFor(next.demand, h));
      this.t += h;
    }
    this.applyFaults(); // fault state at the end time, for a reading taken now
  }

  /** Turn a demand into a current, within the BMS charge and discharge voltage limits. */
  private currentFor(demand: Demand, h: number): number {
    const pack = this.pack;
    let amps: number;
    let cvLimitV = this.chem.chargeVoltageV;
    if (demand.kind === 'rest') return 0;
    if (demand.kind === 'power') amps = pack.packV > 0 ? demand.watts / pack.packV : 0;
    else {
      amps = demand.amps;
      cvLimitV = demand.cellVoltageV;
    }
    // The exact limits cost a pass over the cells: only compute them when the highest (lowest)
    // cell could reach the limit at the new current (largest cell resistance, 20 mV margin for
    // the OCV change and the resistance refresh interval).
    const dI = amps - pack.currentA;
    const rGuard = 1.2 * pack.maxCellResistance;
    if (amps > 0 && pack.maxCellV + Math.max(0, dI) * rGuard > cvLimitV - 0.02) {
      amps = Math.min(amps, Math.max(0, chargeCurrentLimit(pack, cvLimitV, h)));
    } else if (amps < 0 && pack.minCellV + Math.min(0, dI) * rGuard < this.chem.dischargeCutoffV + 0.02) {
      amps = Math.max(amps, Math.min(0, dischargeCurrentLimit(pack, this.chem.dischargeCutoffV, h)));
    }
    return amps;
  }

  /** Fault effects at the current time: leakage, cooling loss, stuck sensors. */
  private applyFaults(): void {
    if (this.faults.faults.length === 0) return;
    const pack = this.pack;
    pack.shortA.fill(0);
    pack.coolingFraction = 1;
    const stuckNow = new Set<number>();
    for (const f of this.faults.active(this.t)) {
      if (f.type === 'internal_short') pack.shortA[f.index % pack.n] = (pack.shortA[f.index % pack.n] as number) + f.severity;
      else if (f.type === 'cooling_failure') pack.coolingFraction = Math.min(pack.coolingFraction, 1 - Math.min(1, f.severity));
      else if (f.type === 'sensor_stuck') stuckNow.add(f.index % this.sensors);
    }
    for (let s = 0; s < this.sensors; s++) {
      if (!stuckNow.has(s)) this.stuckC[s] = Number.NaN;
      else if (Number.isNaN(this.stuckC[s] as number)) this.stuckC[s] = Math.round(this.trueSensorC(s) * 10) / 10;
    }
  }

  socPct(): number {
    return this.pack.socPct;
  }

  /** What sensor s would read if it worked: the mean temperature of its module. */
  trueSensorC(s: number): number {
    const [first, end] = sensorCells(s, this.sensors, this.pack.n);
    let sum = 0;
    for (let i = first; i < end; i++) sum += this.pack.tempC[i] as number;
    return sum / (end - first);
  }

  /** Sensor values as the BMS reads them, with stuck/drift faults applied (no noise). */
  sensorReadings(): number[] {
    const values: number[] = [];
    const active = this.faults.active(this.t);
    for (let s = 0; s < this.sensors; s++) {
      if (this.isStuck(s, active)) {
        if (Number.isNaN(this.stuckC[s] as number)) this.stuckC[s] = Math.round(this.trueSensorC(s) * 10) / 10;
        values.push(this.stuckC[s] as number);
        continue;
      }
      let v = this.trueSensorC(s);
      for (const f of active) {
        if (f.type === 'sensor_drift' && f.index % this.sensors === s) v += (f.severity * (this.t - f.startS)) / 3600;
      }
      values.push(v);
    }
    return values;
  }

  private isStuck(s: number, active: readonly ScheduledFault[]): boolean {
    return active.some((f) => f.type === 'sensor_stuck' && f.index % this.sensors === s);
  }

  commsLost(): boolean {
    return this.faults.isActive('comms_loss', this.t);
  }

  labels(): string[] {
    return this.faults.labels(this.t);
  }

  reading(): DriverReading {
    const pack = this.pack;
    const n = this.noise;
    n.restart();
    const current = pack.currentA;
    const cells: number[] = new Array<number>(pack.n);
    let vMin = Infinity;
    let vMax = -Infinity;
    let vSum = 0;
    for (let i = 0; i < pack.n; i++) {
      const v = pack.cellVoltage(i);
      vSum += v;
      const measured = Math.round((v + 0.001 * n.next()) * 1000) / 1000;
      cells[i] = measured;
      if (measured < vMin) vMin = measured;
      if (measured > vMax) vMax = measured;
    }
    const active = this.faults.active(this.t);
    const temps = this.sensorReadings().map((v, s) => (this.isStuck(s, active) ? v : Math.round((v + 0.1 * n.next()) * 10) / 10));
    const tempMin = Math.min(...temps);
    const tempMax = Math.max(...temps);
    const packCurrentA = round(current + (0.02 + 0.001 * Math.abs(current)) * n.next(), 3);
    const packVoltageV = round(vSum + 0.05 * n.next(), 2);
    const cap = pack.capacityState();
    const socPct = cap.fullAh > 0 ? (100 * cap.remainingAh) / cap.fullAh : 0;
    const chargingState: ChargingState = current > 0.05 ? 'charging' : current < -0.05 ? 'discharging' : 'idle';
    const battery: BatterySignals = {
      packVoltageV,
      packCurrentA,
      powerW: round(packVoltageV * packCurrentA, 1),
      socPct: round(socPct, 2),
      sohPct: round((100 * pack.meanCapacityAh()) / pack.nominalAh, 3),
      tempMinC: tempMin,
      tempMaxC: tempMax,
      tempMeanC: round(temps.reduce((a, b) => a + b, 0) / temps.length, 2),
      cellVoltageMinV: vMin,
      cellVoltageMaxV: vMax,
      cellVoltagesV: cells,
      cycleCount: round(pack.equivalentFullCycles(), 3),
      remainingCapacityAh: round(cap.remainingAh, 4),
      fullCapacityAh: round(cap.fullAh, 4),
      chargingState,
      alarmFlags: batteryAlarms(
        { cellVoltageMinV: vMin, cellVoltageMaxV: vMax, tempMinC: tempMin, tempMaxC: tempMax, socPct, currentA: packCurrentA },
        this.chem,
        pack.nominalAh,
      ),
    };
    return { body: { type: 'battery', battery }, source: 'simulator', faults: this.labels() };
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
