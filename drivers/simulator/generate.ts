/**
 * Offline generation: run simulated devices as fast as the CPU allows (no wall clock), for the
 * training pipeline and the benchmarks.
 *
 * simulateDevice: one device, a reading every sampleEveryS simulated seconds from t = 0 to
 *   durationS inclusive, ts = startTs + t. While comms_loss is active nothing is yielded (gaps
 *   are part of the data, as on a real gateway).
 * simulateFleet: `count` devices with varied parameters and randomly injected faults, yielded
 *   device after device (each device in time order).
 *
 * Fleet hazard model (the labels a failure/anomaly model learns): for each device and each fault
 * type that applies to its kind, the onset time is drawn from an exponential distribution with rate
 *   lambda = faultRate [per device-day] x weight(type) x stress,
 *   stress = (1 + initial_cycles / 1000 + initial_age_days / 730) x 2^((ambient_c - 25) / 10)
 * i.e. older and hotter equipment fails sooner (a doubling per 10 K, the usual electronics and
 * cell rule of thumb). A fault starting within the run is injected once. Durations: internal_short,
 * cooling_failure and sensor faults persist to the end (no repair inside the window);
 * charger_overtemp lasts an exponential mean of 1 day, ground_fault 2 h, comms_loss 30 min.
 * Severity = the type's default x log-normal(sigma 0.4); index = uniform cell/sensor.
 * Simplification: the stress factor is fixed at the device's initial state.
 */
import type { DeviceKind } from '../../core/record.js';
import type { DriverReading } from '../driver.js';
import { BatterySimulator } from './battery.js';
import { ChargerSimulator } from './charger.js';
import { type SimulatedFault, type SimulatedFaultType, type SimulatorConfig, simulatorConfigSchema } from './config.js';
import { type DeviceOptions, type DeviceSimulator, deviceSeed } from './device.js';
import { defaultSeverity, FAULT_KINDS } from './faults.js';
import { Rng } from './rng.js';
import { sensorCount } from './thermal.js';

/** Simulated time 0 when the caller gives none: fixed so that default runs are reproducible. */
export const DEFAULT_START_TS = Date.parse('2026-01-01T00:00:00Z');

/** A full config from a partial one (every field has a default). */
export function simulatorConfig(input: Partial<SimulatorConfig> | Record<string, unknown> = {}): SimulatorConfig {
  return simulatorConfigSchema.parse(input);
}

export function createDeviceSimulator(opts: DeviceOptions): DeviceSimulator {
  const seed = deviceSeed(opts.deviceId, opts.config);
  return opts.kind === 'battery' ? new BatterySimulator(opts, seed) : new ChargerSimulator(opts, seed);
}

export interface SimulateDeviceOptions {
  deviceId: string;
  kind: DeviceKind;
  config: SimulatorConfig;
  durationS: number;
  sampleEveryS: number;
  startTs?: number;
}

export interface TimedReading {
  ts: number;
  reading: DriverReading;
}

export function* simulateDevice(opts: SimulateDeviceOptions): Generator<TimedReading> {
  if (!(opts.sampleEveryS > 0)) throw new RangeError('sampleEveryS must be > 0');
  const startTs = opts.startTs ?? DEFAULT_START_TS;
  const sim = createDeviceSimulator({ deviceId: opts.deviceId, kind: opts.kind, config: opts.config, startTs });
  const samples = Math.floor(opts.durationS / opts.sampleEveryS + 1e-9);
  for (let k = 0; k <= samples; k++) {
    if (k > 0) sim.step(opts.sampleEveryS);
    if (sim.commsLost()) continue;
    yield { ts: startTs + Math.round(k * opts.sampleEveryS * 1000), reading: sim.reading() };
  }
}

export interface FleetOptions {
  seed: number;
  count: number;
  kind: DeviceKind;
  durationS: number;
  sampleEveryS: number;
  /** Base fault hazard per device-day at reference conditions (new, 25 degC). Default 0.02. */
  faultRate?: number;
  startTs?: number;
  /** Config fields to keep fixed for every device; everything not given here is varied. */
  base?: Partial<SimulatorConfig>;
  /** Device id prefix; ids are `${prefix}-000`, `${prefix}-001`, ... Default: the kind. */
  idPrefix?: string;
}

export interface FleetDevice {
  deviceId: string;
  kind: DeviceKind;
  config: SimulatorConfig;
}

/** Relative weight of each fault type in the hazard (sums to 1 per kind). */
const FAULT_WEIGHTS: Record<DeviceKind, Partial<Record<SimulatedFaultType, number>>> = {
  battery: { internal_short: 0.15, cooling_failure: 0.2, sensor_stuck: 0.2, sensor_drift: 0.2, comms_loss: 0.25 },
  charger: { charger_overtemp: 0.25, ground_fault: 0.2, sensor_stuck: 0.15, sensor_drift: 0.15, comms_loss: 0.25 },
};
const MEAN_DURATION_S: Partial<Record<SimulatedFaultType, number>> = {
  charger_overtemp: 86_400,
  ground_fault: 7_200,
  comms_loss: 1_800,
};

/** The devices of a fleet, with their drawn parameters and faults (deterministic from seed). */
export function planFleet(opts: FleetOptions): FleetDevice[] {
  const rng = new Rng(opts.seed);
  const base = opts.base ?? {};
  const prefix = opts.idPrefix ?? opts.kind;
  const devices: FleetDevice[] = [];
  for (let i = 0; i < opts.count; i++) {
    const r = rng.fork(i);
    const drawn: Partial<SimulatorConfig> =
      opts.kind === 'battery'
        ? {
            chemistry: r.next() < 0.6 ? 'nmc' : 'lfp',
            capacity_ah: r.pick([50, 60, 75, 100, 150]),
            ambient_c: Math.round(r.uniform(5, 35)),
            profile: r.next() < 0.8 ? 'drive' : r.next() < 0.75 ? 'storage' : 'idle',
            initial_soc_pct: Math.round(r.uniform(40, 95)),
            initial_cycles: Math.round(r.uniform(0, 1500)),
            initial_age_days: Math.round(r.uniform(0, 1800)),
            max_power_kw: r.pick([7.4, 11, 22, 50]),
          }
        : {
            max_power_kw: r.pick([7.4, 11, 22, 50, 150]),
            sessions_per_day: Math.round(r.uniform(2, 12) * 10) / 10,
            ambient_c: Math.round(r.uniform(0, 40)),
            initial_age_days: Math.round(r.uniform(0, 1500)),
          };
    const config = simulatorConfig({ ...drawn, ...base, seed: r.nextU32() });
    config.faults = [...config.faults, ...drawFaults(r, opts, config)];
    devices.push({ deviceId: `${prefix}-${String(i).padStart(3, '0')}`, kind: opts.kind, config });
  }
  return devices;
}

function drawFaults(r: Rng, opts: FleetOptions, config: SimulatorConfig): SimulatedFault[] {
  const perDay = opts.faultRate ?? 0.02;
  const stress = (1 + config.initial_cycles / 1000 + config.initial_age_days / 730) * 2 ** ((config.ambient_c - 25) / 10);
  const faults: SimulatedFault[] = [];
  for (const [type, weight] of Object.entries(FAULT_WEIGHTS[opts.kind]) as [SimulatedFaultType, number][]) {
    if (!FAULT_KINDS[type].includes(opts.kind)) continue;
    const onsetS = Math.round(r.exponential((perDay * weight * stress) / 86_400));
    if (onsetS >= opts.durationS) continue;
    const mean = MEAN_DURATION_S[type];
    let severity = defaultSeverity(type, config.capacity_ah) * Math.exp(0.4 * r.gaussian());
    if (type === 'cooling_failure') severity = Math.min(0.98, severity);
    const indexRange = type === 'internal_short' ? config.cells_series : sensorCount(config.cells_series);
    faults.push({
      type,
      start_s: onsetS,
      ...(mean !== undefined ? { duration_s: Math.max(60, Math.round(r.exponential(1 / mean))) } : {}),
      index: r.int(0, indexRange - 1),
      severity,
    });
  }
  return faults;
}

export interface FleetReading extends TimedReading {
  deviceId: string;
}

export function* simulateFleet(opts: FleetOptions): Generator<FleetReading> {
  for (const device of planFleet(opts)) {
    const readings = simulateDevice({
      deviceId: device.deviceId,
      kind: device.kind,
      config: device.config,
      durationS: opts.durationS,
      sampleEveryS: opts.sampleEveryS,
      ...(opts.startTs !== undefined ? { startTs: opts.startTs } : {}),
    });
    for (const r of readings) yield { deviceId: device.deviceId, ...r };
  }
}
