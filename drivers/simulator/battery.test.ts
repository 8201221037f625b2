import { describe, expect, it } from 'vitest';
import type { BatterySignals } from '../../core/record.js';
import type { SimulatedFault } from './config.js';
import { simulateDevice, simulatorConfig, type TimedReading } from './generate.js';

const HOUR = 3600;

function battery(r: TimedReading): BatterySignals {
  if (r.reading.body.type !== 'battery') throw new Error('expected a battery reading');
  return r.reading.body.battery;
}

function run(opts: { hours: number; every?: number; cells?: number; seed?: number; faults?: SimulatedFault[]; chemistry?: 'nmc' | 'lfp'; soc?: number }): TimedReading[] {
  const config = simulatorConfig({
    seed: opts.seed ?? 11,
    cells_series: opts.cells ?? 12,
    chemistry: opts.chemistry ?? 'nmc',
    initial_soc_pct: opts.soc ?? 90,
    faults: opts.faults ?? [],
  });
  return [...simulateDevice({ deviceId: 'pack', kind: 'battery', config, durationS: opts.hours * HOUR, sampleEveryS: opts.every ?? 60 })];
}

describe('battery simulation', () => {
  it('energy balance: integrated current matches the change of remaining charge within 1 % (drive, then charge)', () => {
    const rs = run({ hours: 10, every: 1 });
    const remaining = rs.map((r) => battery(r).remainingCapacityAh!);
    // Split at the emptiest point: before it the pack was driven down, after it charged back.
    let low = 0;
    for (let k = 1; k < rs.length; k++) if (remaining[k]! < remaining[low]!) low = k;
    expect(low).toBeGreaterThan(0);
    expect(low).toBeLessThan(rs.length - 1);
    const integrate = (from: number, to: number): number => {
      let ah = 0;
      for (let k = from + 1; k <= to; k++) ah += (battery(rs[k]!).packCurrentA! * (rs[k]!.ts - rs[k - 1]!.ts)) / 1000 / 3600;
      return ah;
    };
    const driveAh = integrate(0, low);
    const chargeAh = integrate(low, rs.length - 1);
    expect(driveAh).toBeLessThan(-20); // a real drive: 90 % down to 20-30 % of 60 Ah
    expect(chargeAh).toBeGreaterThan(20);
    expect(Math.abs(remaining[low]! - remaining[0]! - driveAh)).toBeLessThan(0.01 * Math.abs(driveAh));
    expect(Math.abs(remaining.at(-1)! - remaining[low]! - chargeAh)).toBeLessThan(0.01 * chargeAh);
    // The same holds for the reported SoC times capacity.
    const socAh = (k: number): number => (battery(rs[k]!).socPct! / 100) * battery(rs[k]!).fullCapacityAh!;
    expect(Math.abs(socAh(low) - socAh(0) - driveAh)).toBeLessThan(0.01 * Math.abs(driveAh) + 0.01);
  });

  it('drive profile: discharges to 20-30 %, rests, charges to 80-100 %, stays within voltage limits', () => {
    const rs = run({ hours: 24 });
    const socs = rs.map((r) => battery(r).socPct!);
    const minSoc = Math.min(...socs);
    expect(minSoc).toBeGreaterThan(17);
    expect(minSoc).toBeLessThan(31);
    const states = new Set(rs.map((r) => battery(r).chargingState));
    expect(states).toEqual(new Set(['charging', 'discharging', 'idle']));
    expect(Math.max(...socs.slice(socs.indexOf(minSoc)))).toBeGreaterThan(78);
    for (const r of rs) {
      const b = battery(r);
      expect(b.cellVoltageMaxV!).toBeLessThanOrEqual(4.25);
      expect(b.cellVoltageMinV!).toBeGreaterThan(2.9);
      expect(b.alarmFlags).not.toContain('cell_overvoltage');
      expect(b.cellVoltagesV).toHaveLength(12);
      expect(Math.abs(b.powerW! - b.packVoltageV! * b.packCurrentA!)).toBeLessThan(1);
    }
  });

  it('storage profile: charges only 10:00-16:00 UTC, discharges only 18:00-06:00, once a day each', () => {
    const config = simulatorConfig({ seed: 8, cells_series: 12, profile: 'storage', initial_soc_pct: 50 });
    const rs = [...simulateDevice({ deviceId: 's', kind: 'battery', config, durationS: 3 * 86_400, sampleEveryS: 300 })];
    // A reading reports the current of the 5 minutes before it, hence the half-open windows.
    const todS = (r: TimedReading): number => (r.ts / 1000) % 86_400;
    const misplaced = rs.filter((r) => {
      const state = battery(r).chargingState;
      const t = todS(r);
      return (state === 'charging' && !(t > 10 * 3600 && t <= 16 * 3600)) || (state === 'discharging' && !(t > 18 * 3600 || t <= 6 * 3600));
    });
    expect(misplaced).toEqual([]);
    // Day 2 (a full day in the run): one contiguous charge and the night's discharge reach 90 % / 15 %.
    const day2 = rs.filter((r) => r.ts >= rs[0]!.ts + 86_400_000 && r.ts < rs[0]!.ts + 2 * 86_400_000).map(battery);
    expect(Math.max(...day2.map((b) => b.socPct!))).toBeGreaterThan(88);
    expect(Math.min(...day2.map((b) => b.socPct!))).toBeLessThan(17);
    const chargeStarts = day2.filter((b, k) => k > 0 && b.chargingState === 'charging' && day2[k - 1]!.chargingState !== 'charging');
    expect(chargeStarts.length).toBe(1);
  });

  it('idle profile: no current, only a slow self-discharge', () => {
    const config = simulatorConfig({ seed: 8, cells_series: 12, profile: 'idle', initial_soc_pct: 60 });
    const rs = [...simulateDevice({ deviceId: 'i', kind: 'battery', config, durationS: 30 * 86_400, sampleEveryS: 86_400 })].map(battery);
    expect(rs.every((b) => b.chargingState === 'idle' && Math.abs(b.packCurrentA!) < 0.2)).toBe(true);
    const lost = rs[0]!.socPct! - rs.at(-1)!.socPct!;
    expect(lost).toBeGreaterThan(0.5); // ~2.5 %/month for NMC
    expect(lost).toBeLessThan(5);
  });

  it('BMS limits hold in the cold (high resistance): cells stay between cut-off and charge voltage', () => {
    for (const chemistry of ['nmc', 'lfp'] as const) {
      const config = simulatorConfig({ seed: 12, cells_series: 12, chemistry, ambient_c: -15, initial_soc_pct: 95 });
      const rs = [...simulateDevice({ deviceId: 'cold', kind: 'battery', config, durationS: 86_400, sampleEveryS: 10 })].map(battery);
      const [low, high] = chemistry === 'nmc' ? [3.1, 4.2] : [2.7, 3.6];
      // 5 mV: 1 mV measurement noise (3 sigma) plus the OCV change within a 1 s step.
      expect(Math.max(...rs.map((b) => b.cellVoltageMaxV!))).toBeLessThanOrEqual(high + 0.005);
      expect(Math.min(...rs.map((b) => b.cellVoltageMinV!))).toBeGreaterThanOrEqual(low - 0.005);
      expect(rs.some((b) => b.alarmFlags!.includes('charge_undertemperature'))).toBe(true);
    }
  });

  it('temperatures rise under load relative to rest', () => {
    const rs = run({ hours: 24 });
    const rest = rs.filter((r) => battery(r).chargingState === 'idle').map((r) => battery(r).tempMeanC!);
    const load = rs.filter((r) => battery(r).chargingState !== 'idle').map((r) => battery(r).tempMeanC!);
    expect(Math.max(...load)).toBeGreaterThan(25 + 3);
    expect(Math.min(...rest)).toBeLessThan(25.5);
  });

  it('cooling failure gives a clearly higher peak temperature than the same seed without it', () => {
    const peak = (rs: TimedReading[]): number => Math.max(...rs.map((r) => battery(r).tempMaxC!));
    const healthy = peak(run({ hours: 8 }));
    const failed = peak(run({ hours: 8, faults: [{ type: 'cooling_failure', start_s: 0, index: 0 }] }));
    expect(failed).toBeGreaterThan(healthy + 8);
  });

  it('determinism: same seed gives identical readings, a different seed different ones', () => {
    const a = run({ hours: 6, seed: 5 });
    const b = run({ hours: 6, seed: 5 });
    const c = run({ hours: 6, seed: 6 });
    expect(b).toEqual(a);
    expect(c.map((r) => battery(r).packCurrentA)).not.toEqual(a.map((r) => battery(r).packCurrentA));
  });

  it('ageing shows in the readings: SoH falls and cycles count up over weeks of driving; LFP fades slower', () => {
    const weeks = (chemistry: 'nmc' | 'lfp'): BatterySignals[] =>
      [...simulateDevice({ deviceId: 'p', kind: 'battery', config: simulatorConfig({ seed: 3, cells_series: 2, chemistry }), durationS: 60 * 86_400, sampleEveryS: 86_400 })].map(battery);
    const nmc = weeks('nmc');
    const lfp = weeks('lfp');
    expect(nmc[0]!.sohPct!).toBeGreaterThan(99);
    expect(nmc.at(-1)!.cycleCount!).toBeGreaterThan(50);
    for (let k = 1; k < nmc.length; k++) expect(nmc[k]!.sohPct!).toBeLessThanOrEqual(nmc[k - 1]!.sohPct!);
    const nmcFade = nmc[0]!.sohPct! - nmc.at(-1)!.sohPct!;
    const lfpFade = lfp[0]!.sohPct! - lfp.at(-1)!.sohPct!;
    expect(nmcFade).toBeGreaterThan(0.5);
    expect(lfpFade).toBeLessThan(nmcFade);
  });

  it('initial_cycles and initial_age_days start the pack pre-aged', () => {
    const config = simulatorConfig({ seed: 1, cells_series: 4, initial_cycles: 1000, initial_age_days: 730 });
    const first = battery([...simulateDevice({ deviceId: 'old', kind: 'battery', config, durationS: 0, sampleEveryS: 60 })][0]!);
    expect(first.cycleCount).toBeCloseTo(1000, 3);
    expect(first.sohPct!).toBeLessThan(90);
    expect(first.sohPct!).toBeGreaterThan(75);
  });
});
