/**
 * A simulated EV charge point (one connector) reporting OCPP 1.6 statuses.
 *
 * Sessions: EVs arrive as a Poisson process of rate sessions_per_day; an arrival while the
 * connector is busy or faulted is lost (the driver goes elsewhere). A session runs
 *   Available -> Preparing (plug-in and authorisation, 15-90 s)
 *   -> Charging (power = min(rated, the EV's acceptance), the EV tapering linearly above 80 % SoC
 *      down to 5 % of its maximum at 100 %, as battery management of real cars does)
 *   -> SuspendedEV (EV reached its target SoC and stopped drawing, but is still plugged: 2-60 min)
 *   -> Finishing (unplugging, 10-60 s) -> Available.
 * EVs: 40-100 kWh battery, arriving at 10-60 % SoC, target 80-100 %, acceptance picked from the
 * common on-board/DC limits 7.4, 11, 22, 50, 150, 250 kW.
 *
 * Thermal: one lumped node; losses are 2 % of power for AC wallboxes (<= 22 kW: contactors,
 * cables) and 5 % for DC chargers (power conversion), hA sized so rated power settles 25 K above
 * ambient, time constant 15 min. At 75 degC it raises HighTemperature and derates to 50 %; at
 * 90 degC it goes Faulted (session aborted) until it has cooled below 60 degC and no fault holds it.
 */
import type { ChargerErrorCode, ChargerSignals, ConnectorStatus } from '../../core/record.js';
import type { DriverReading } from '../driver.js';
import type { DeviceOptions, DeviceSimulator } from './device.js';
import { FaultSchedule } from './faults.js';
import { Rng } from './rng.js';

export const HIGH_TEMPERATURE_C = 75;
export const FAULT_TEMPERATURE_C = 90;
export const CLEAR_TEMPERATURE_C = 60;
const RATED_RISE_K = 25;
const THERMAL_TAU_S = 900;
/** With charger_overtemp the cooling fan is lost: heat transfer drops to this fraction. */
const OVERTEMP_COOLING_FRACTION = 0.1;
const EV_ACCEPTANCE_KW = [7.4, 11, 22, 50, 150, 250] as const;
const MAX_STEP_CHARGING_S = 10;
const MAX_STEP_IDLE_S = 60;

interface Ev {
  capacityWh: number;
  soc: number;
  targetSoc: number;
  maxW: number;
}

export class ChargerSimulator implements DeviceSimulator {
  private readonly ratedW: number;
  private readonly lossFraction: number;
  private readonly hA: number;
  private readonly heatCapacity: number;
  private readonly ambientC: number;
  private readonly arrivalRatePerS: number;
  private readonly rng: Rng;
  private readonly noise: Rng;
  private readonly faults: FaultSchedule;
  private readonly initialAgeS: number;
  private t = 0;
  status: ConnectorStatus = 'Available';
  private errors: ChargerErrorCode[] = [];
  private phaseEndS = 0;
  private nextArrivalS: number;
  private ev: Ev | undefined;
  powerW = 0;
  energyWh: number;
  sessionEnergyWh = 0;
  sessionCount: number;
  tempC: number;
  private stuckC = Number.NaN;

  constructor(opts: DeviceOptions, seed: number) {
    const c = opts.config;
    const root = new Rng(seed);
    this.rng = root.fork(4);
    this.noise = root.fork(5);
    this.ratedW = c.max_power_kw * 1000;
    this.lossFraction = c.max_power_kw <= 22 ? 0.02 : 0.05;
    this.hA = (this.lossFraction * this.ratedW) / RATED_RISE_K;
    this.heatCapacity = this.hA * THERMAL_TAU_S;
    this.ambientC = c.ambient_c;
    this.tempC = c.ambient_c;
    this.arrivalRatePerS = c.sessions_per_day / 86_400;
    this.nextArrivalS = this.rng.exponential(this.arrivalRatePerS);
    this.faults = new FaultSchedule(c.faults, 'charger', c.capacity_ah);
    // A pre-aged charge point has a lifetime history: ~15 kWh per past session.
    this.initialAgeS = c.initial_age_days * 86_400;
    this.sessionCount = Math.round(c.initial_age_days * c.sessions_per_day);
    this.energyWh = this.sessionCount * 15_000;
  }

  get timeS(): number {
    return this.t;
  }

  step(dtS: number): void {
    const end = this.t + dtS;
    while (end - this.t > 1e-9) {
      const heatW = this.updateState();
      const maxStep = this.status === 'Charging' ? MAX_STEP_CHARGING_S : MAX_STEP_IDLE_S;
      let h = Math.min(end - this.t, maxStep, this.faults.nextBoundary(this.t) - this.t);
      if (this.status === 'Available' && this.nextArrivalS > this.t) h = Math.min(h, this.nextArrivalS - this.t);
      if (this.phaseEndS > this.t) h = Math.min(h, this.phaseEndS - this.t);
      this.integrate(h, heatW);
      this.t += h;
    }
    // Settle the state machine at the end time so a reading taken now shows transitions due now
    // (fault onsets, phase ends); the next step's first update at the same time is then a no-op.
    this.updateState();
  }

  /** State transitions at the current time; returns the extra fault heat (W) for this step. */
  private updateState(): number {
    const t = this.t;
    const ground = this.faults.isActive('ground_fault', t);
    const overtemp = this.faults.active(t).find((f) => f.type === 'charger_overtemp');
    // A stuck sensor freezes at the value it had when the fault began.
    if (!this.faults.isActive('sensor_stuck', t)) this.stuckC = Number.NaN;
    else if (Number.isNaN(this.stuckC)) this.stuckC = Math.round(this.tempC * 10) / 10;
    if (ground || this.tempC >= FAULT_TEMPERATURE_C) {
      if (this.status !== 'Faulted') this.ev = undefined; // the session is aborted
      this.status = 'Faulted';
      this.errors = ground ? ['GroundFailure'] : ['HighTemperature'];
    } else if (this.status === 'Faulted') {
      if (this.tempC < CLEAR_TEMPERATURE_C && !overtemp) {
        this.status = 'Available';
        this.errors = [];
      }
    } else {
      if (this.tempC >= HIGH_TEMPERATURE_C) this.errors = ['HighTemperature'];
      else if (this.tempC < CLEAR_TEMPERATURE_C) this.errors = [];
      this.advanceSession(t);
    }
    if (this.status !== 'Available' && t >= this.nextArrivalS) this.nextArrivalS = t + this.rng.exponential(this.arrivalRatePerS);
    this.powerW = this.status === 'Charging' && this.ev ? this.evPowerW(this.ev) : 0;
    // A degraded power stage dissipates severity % of rated power whether or not it charges.
    return overtemp ? (overtemp.severity / 100) * this.ratedW : 0;
  }

  private advanceSession(t: number): void {
    switch (this.status) {
      case 'Available':
        if (t >= this.nextArrivalS) {
          this.nextArrivalS = t + this.rng.exponential(this.arrivalRatePerS);
          const soc = this.rng.uniform(0.1, 0.6);
          this.ev = {
            capacityWh: this.rng.uniform(40_000, 100_000),
            soc,
            targetSoc: Math.max(soc + 0.1, this.rng.uniform(0.8, 1)),
            maxW: this.rng.pick(EV_ACCEPTANCE_KW) * 1000,
          };
          this.sessionCount++;
          this.sessionEnergyWh = 0;
          this.status = 'Preparing';
          this.phaseEndS = t + this.rng.int(15, 90);
        }
        return;
      case 'Preparing':
        if (t >= this.phaseEndS) this.status = 'Charging';
        return;
      case 'Charging':
        if (!this.ev || this.ev.soc >= this.ev.targetSoc) {
          this.status = 'SuspendedEV';
          this.phaseEndS = t + this.rng.int(120, 3600);
        }
        return;
      case 'SuspendedEV':
        if (t >= this.phaseEndS) {
          this.status = 'Finishing';
          this.phaseEndS = t + this.rng.int(10, 60);
        }
        return;
      case 'Finishing':
        if (t >= this.phaseEndS) {
          this.status = 'Available';
          this.ev = undefined;
        }
        return;
      default:
        this.status = 'Available';
    }
  }

  private evPowerW(ev: Ev): number {
    const taper = ev.soc <= 0.8 ? 1 : Math.max(0.05, 1 - (0.95 * (ev.soc - 0.8)) / 0.2);
    const derate = this.errors.includes('HighTemperature') ? 0.5 : 1;
    return Math.min(this.ratedW * derate, ev.maxW * taper);
  }

  private integrate(h: number, faultHeatW: number): void {
    const wh = (this.powerW * h) / 3600;
    this.energyWh += wh;
    this.sessionEnergyWh += wh;
    if (this.ev) this.ev.soc += wh / this.ev.capacityWh;
    const overtemp = faultHeatW > 0;
    const hA = this.hA * (overtemp ? OVERTEMP_COOLING_FRACTION : 1);
    const tSteady = this.ambientC + (this.lossFraction * this.powerW + faultHeatW) / hA;
    this.tempC = tSteady + (this.tempC - tSteady) * Math.exp((-h * hA) / this.heatCapacity);
  }

  /** The temperature sensor as read, with sensor_stuck / sensor_drift applied (no noise). */
  sensorC(): number {
    if (this.faults.isActive('sensor_stuck', this.t)) {
      if (Number.isNaN(this.stuckC)) this.stuckC = Math.round(this.tempC * 10) / 10;
      return this.stuckC;
    }
    const active = this.faults.active(this.t);
    let v = this.tempC;
    for (const f of active) if (f.type === 'sensor_drift') v += (f.severity * (this.t - f.startS)) / 3600;
    return v;
  }

  commsLost(): boolean {
    return this.faults.isActive('comms_loss', this.t);
  }

  reading(): DriverReading {
    const stuck = this.faults.isActive('sensor_stuck', this.t);
    const sensor = this.sensorC();
    const charger: ChargerSignals = {
      connectorStatus: this.status,
      powerW: this.powerW > 0 ? Math.round(this.powerW * (1 + this.noise.gaussian(0, 0.002))) : 0,
      energyDeliveredWh: Math.floor(this.energyWh),
      sessionEnergyWh: Math.floor(this.sessionEnergyWh),
      temperatureC: stuck ? sensor : Math.round((sensor + this.noise.gaussian(0, 0.1)) * 10) / 10,
      errorCodes: [...this.errors],
      uptimeS: Math.floor(this.t),
      sessionCount: this.sessionCount,
      sinceMaintenanceS: Math.floor(this.initialAgeS + this.t),
    };
    return { body: { type: 'charger', charger }, source: 'simulator', faults: this.faults.labels(this.t) };
  }
}
