import { describe, expect, it } from 'vitest';
import type { BatterySignals, ChargerSignals } from '../../core/record.js';
import { BatterySimulator } from './battery.js';
import { ChargerSimulator } from './charger.js';
import type { SimulatedFault } from './config.js';
import { DEFAULT_START_TS, simulateDevice, simulatorConfig, type TimedReading } from './generate.js';

const HOUR = 3600;

function batteryRun(faults: SimulatedFault[], hours: number, seed = 21): TimedReading[] {
  const config = simulatorConfig({ seed, cells_series: 24, initial_soc_pct: 90, faults });
  return [...simulateDevice({ deviceId: 'b', kind: 'battery', config, durationS: hours * HOUR, sampleEveryS: 60 })];
}

function chargerRun(faults: SimulatedFault[], hours: number, extra: Record<string, unknown> = {}): TimedReading[] {
  const config = simulatorConfig({ seed: 4, sessions_per_day: 12, faults, ...extra });
  return [...simulateDevice({ deviceId: 'c', kind: 'charger', config, durationS: hours * HOUR, sampleEveryS: 30 })];
}

const bat = (r: TimedReading): BatterySignals => (r.reading.body as { battery: BatterySignals }).battery;
const chg = (r: TimedReading): ChargerSignals => (r.reading.body as { charger: ChargerSignals }).charger;
const simS = (r: TimedReading): number => (r.ts - DEFAULT_START_TS) / 1000;

/** Every reading carries the label exactly when the fault window covers its time. */
function expectLabelledExactly(rs: TimedReading[], label: string, startS: number, endS: number): void {
  let inside = 0;
  for (const r of rs) {
    const active = simS(r) >= startS && simS(r) < endS;
    if (active) inside++;
    expect(r.reading.faults?.includes(label) ?? false, `t=${simS(r)}`).toBe(active);
  }
  expect(inside).toBeGreaterThan(0);
}

describe('battery faults', () => {
  it('internal_short: labelled while active; the shorted cell falls behind and cell_imbalance appears', () => {
    const fault: SimulatedFault = { type: 'internal_short', start_s: HOUR, duration_s: 6 * HOUR, index: 5 };
    const faulty = batteryRun([fault], 8);
    const healthy = batteryRun([], 8);
    expectLabelledExactly(faulty, 'internal_short', HOUR, 7 * HOUR);
    const spread = (r: TimedReading): number => bat(r).cellVoltageMaxV! - bat(r).cellVoltageMinV!;
    const at = 7 * 60; // 7 h
    expect(spread(faulty[at]!)).toBeGreaterThan(spread(healthy[at]!) + 0.05);
    // The weakest cell is the shorted one.
    const cells = bat(faulty[at]!).cellVoltagesV!;
    expect(cells.indexOf(Math.min(...cells))).toBe(5);
    expect(faulty.some((r) => bat(r).alarmFlags!.includes('cell_imbalance'))).toBe(true);
    expect(healthy.some((r) => bat(r).alarmFlags!.includes('cell_imbalance'))).toBe(false);
  });

  it('cooling_failure: labelled only inside its window', () => {
    const rs = batteryRun([{ type: 'cooling_failure', start_s: 2 * HOUR, duration_s: HOUR, index: 0 }], 4);
    expectLabelledExactly(rs, 'cooling_failure', 2 * HOUR, 3 * HOUR);
  });

  it('sensor_stuck: the sensor freezes while the true temperature moves, then follows again', () => {
    const config = simulatorConfig({ seed: 21, cells_series: 24, initial_soc_pct: 90, faults: [{ type: 'sensor_stuck', start_s: 600, duration_s: 2 * HOUR, index: 1 }] });
    const sim = new BatterySimulator({ deviceId: 'b', kind: 'battery', config, startTs: DEFAULT_START_TS }, 21);
    const stuck: number[] = [];
    const truth: number[] = [];
    const other: number[] = [];
    for (let k = 0; k < 150; k++) {
      sim.step(60);
      if (sim.timeS >= 600 && sim.timeS < 600 + 2 * HOUR) {
        stuck.push(sim.sensorReadings()[1]!);
        truth.push(sim.trueSensorC(1));
        other.push(sim.sensorReadings()[0]!);
      }
    }
    expect(new Set(stuck).size).toBe(1);
    expect(Math.max(...truth) - Math.min(...truth)).toBeGreaterThan(1);
    expect(Math.max(...other) - Math.min(...other)).toBeGreaterThan(1);
    expect(Math.abs(sim.sensorReadings()[1]! - sim.trueSensorC(1))).toBeLessThan(1e-9);
    expect(sim.reading().faults).toEqual([]);
  });

  it('sensor_drift: the offset grows at severity degC per hour', () => {
    const config = simulatorConfig({ seed: 2, cells_series: 24, faults: [{ type: 'sensor_drift', start_s: HOUR, index: 0, severity: 3 }] });
    const sim = new BatterySimulator({ deviceId: 'b', kind: 'battery', config, startTs: DEFAULT_START_TS }, 2);
    sim.step(HOUR);
    expect(sim.sensorReadings()[0]! - sim.trueSensorC(0)).toBeCloseTo(0, 9);
    sim.step(2 * HOUR);
    expect(sim.sensorReadings()[0]! - sim.trueSensorC(0)).toBeCloseTo(6, 6);
    expect(sim.reading().faults).toEqual(['sensor_drift']);
  });

  it('comms_loss: no readings at all while active, readings again after', () => {
    const rs = batteryRun([{ type: 'comms_loss', start_s: HOUR, duration_s: 1800, index: 0 }], 3);
    expect(rs.filter((r) => simS(r) >= HOUR && simS(r) < HOUR + 1800)).toHaveLength(0);
    expect(rs.filter((r) => simS(r) >= HOUR + 1800)).toHaveLength(90 + 1);
    expect(rs.some((r) => r.reading.faults?.includes('comms_loss'))).toBe(false);
  });

  it('charger-only faults on a battery are ignored and never labelled', () => {
    const rs = batteryRun([{ type: 'ground_fault', start_s: 0, index: 0 }], 1);
    expect(rs.every((r) => r.reading.faults?.length === 0)).toBe(true);
  });
});

describe('charger faults', () => {
  it('charger_overtemp: temperature climbs, HighTemperature is raised, then Faulted; recovers after', () => {
    const rs = chargerRun([{ type: 'charger_overtemp', start_s: 2 * HOUR, duration_s: 3 * HOUR, index: 0 }], 10);
    expectLabelledExactly(rs, 'charger_overtemp', 2 * HOUR, 5 * HOUR);
    const during = rs.filter((r) => simS(r) >= 2 * HOUR && simS(r) < 5 * HOUR);
    const firstHigh = during.findIndex((r) => chg(r).errorCodes!.includes('HighTemperature'));
    const firstFaulted = during.findIndex((r) => chg(r).connectorStatus === 'Faulted');
    expect(firstHigh).toBeGreaterThanOrEqual(0);
    expect(firstFaulted).toBeGreaterThan(firstHigh);
    expect(chg(during[firstFaulted]!).powerW).toBe(0);
    expect(Math.max(...during.map((r) => chg(r).temperatureC!))).toBeGreaterThan(85);
    const before = rs.filter((r) => simS(r) < 2 * HOUR);
    expect(before.every((r) => chg(r).connectorStatus !== 'Faulted')).toBe(true);
    expect(chg(rs.at(-1)!).connectorStatus).not.toBe('Faulted');
    expect(chg(rs.at(-1)!).errorCodes).toEqual([]);
  });

  it('ground_fault: GroundFailure and Faulted with zero power while active, available again after', () => {
    const rs = chargerRun([{ type: 'ground_fault', start_s: 3 * HOUR, duration_s: HOUR, index: 0 }], 6);
    expectLabelledExactly(rs, 'ground_fault', 3 * HOUR, 4 * HOUR);
    for (const r of rs) {
      const inside = simS(r) >= 3 * HOUR && simS(r) < 4 * HOUR;
      if (inside) {
        expect(chg(r).connectorStatus).toBe('Faulted');
        expect(chg(r).errorCodes).toEqual(['GroundFailure']);
        expect(chg(r).powerW).toBe(0);
      } else {
        expect(chg(r).errorCodes).not.toContain('GroundFailure');
      }
    }
  });

  it('sensor_stuck on a charger freezes its temperature reading', () => {
    const rs = chargerRun([{ type: 'sensor_stuck', start_s: HOUR, duration_s: 6 * HOUR, index: 0 }], 8);
    const during = rs.filter((r) => simS(r) >= HOUR && simS(r) < 7 * HOUR).map((r) => chg(r).temperatureC);
    const after = rs.filter((r) => simS(r) >= 7 * HOUR).map((r) => chg(r).temperatureC);
    expect(new Set(during).size).toBe(1);
    expect(new Set(after).size).toBeGreaterThan(1);
  });
});
