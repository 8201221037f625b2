import { describe, expect, it } from 'vitest';
import type { ChargerSignals, ConnectorStatus } from '../../core/record.js';
import { simulateDevice, simulatorConfig } from './generate.js';

const DAY = 86_400;

function readings(extra: Record<string, unknown> = {}, days = 3, every = 5): ChargerSignals[] {
  const config = simulatorConfig({ seed: 9, sessions_per_day: 8, ...extra });
  return [...simulateDevice({ deviceId: 'cp', kind: 'charger', config, durationS: days * DAY, sampleEveryS: every })].map(
    (r) => (r.reading.body as { charger: ChargerSignals }).charger,
  );
}

/** The OCPP 1.6 session sequence a healthy connector follows. */
const ALLOWED: Record<string, ConnectorStatus> = {
  Available: 'Preparing',
  Preparing: 'Charging',
  Charging: 'SuspendedEV',
  SuspendedEV: 'Finishing',
  Finishing: 'Available',
};

describe('charger sessions', () => {
  const rs = readings();

  it('statuses follow Available -> Preparing -> Charging -> SuspendedEV -> Finishing -> Available', () => {
    const seen = new Set<string>();
    for (let k = 1; k < rs.length; k++) {
      const from = rs[k - 1]!.connectorStatus!;
      const to = rs[k]!.connectorStatus!;
      if (from === to) continue;
      expect(`${from}->${to}`).toBe(`${from}->${ALLOWED[from]}`);
      seen.add(`${from}->${to}`);
    }
    expect(seen.size).toBe(5);
  });

  it('power flows only while Charging, never above the rating, and tapers at the end of a session', () => {
    // Plain comparisons in the loops: expect() per reading is slow over 50 000 readings.
    const violations: string[] = [];
    let sessionPeak = 0;
    let tapered = 0;
    for (let k = 0; k < rs.length; k++) {
      const r = rs[k]!;
      if (r.connectorStatus !== 'Charging' && r.powerW !== 0) violations.push(`${k}: ${r.connectorStatus} at ${r.powerW} W`);
      if (r.powerW! > 22_000 * 1.01) violations.push(`${k}: ${r.powerW} W above rating`);
      if (r.connectorStatus === 'Preparing') sessionPeak = 0;
      sessionPeak = Math.max(sessionPeak, r.powerW!);
      if (r.connectorStatus === 'Charging' && rs[k + 1]?.connectorStatus === 'SuspendedEV' && r.powerW! < 0.9 * sessionPeak) tapered++;
    }
    expect(violations).toEqual([]);
    expect(rs.some((r) => r.powerW! > 7_000)).toBe(true);
    expect(tapered).toBeGreaterThan(0);
  });

  it('lifetime energy meter is monotone and sessionEnergyWh is its increase within the session', () => {
    expect(rs.findIndex((r, k) => k > 0 && r.energyDeliveredWh! < rs[k - 1]!.energyDeliveredWh!)).toBe(-1);
    expect(rs.at(-1)!.energyDeliveredWh!).toBeGreaterThan(50_000);
    // Within one session the two meters rise together (to the Wh, both floored).
    let startLifetime = 0;
    let startSession = 0;
    let mismatches = 0;
    for (let k = 1; k < rs.length; k++) {
      const r = rs[k]!;
      if (r.connectorStatus === 'Preparing' && rs[k - 1]!.connectorStatus === 'Available') {
        startLifetime = r.energyDeliveredWh!;
        startSession = r.sessionEnergyWh!;
        expect(startSession).toBe(0);
      }
      if (r.connectorStatus === 'Finishing' && Math.abs(r.energyDeliveredWh! - startLifetime - r.sessionEnergyWh!) > 1) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('sessionCount increments by one exactly when a session starts', () => {
    let sessions = 0;
    const wrong: number[] = [];
    for (let k = 1; k < rs.length; k++) {
      const started = rs[k]!.connectorStatus === 'Preparing' && rs[k - 1]!.connectorStatus === 'Available';
      if (rs[k]!.sessionCount! - rs[k - 1]!.sessionCount! !== (started ? 1 : 0)) wrong.push(k);
      if (started) sessions++;
    }
    expect(wrong).toEqual([]);
    // Poisson with 8/day over 3 days, minus arrivals lost while busy.
    expect(sessions).toBeGreaterThan(4);
    expect(sessions).toBeLessThan(30);
  });

  it('temperature rises with power and uptime/sinceMaintenance grow with simulated time', () => {
    const charging = rs.filter((r) => r.connectorStatus === 'Charging' && r.powerW! > 15_000).map((r) => r.temperatureC!);
    const idle = rs.filter((r) => r.connectorStatus === 'Available').map((r) => r.temperatureC!);
    expect(Math.max(...charging)).toBeGreaterThan(Math.min(...idle) + 10);
    expect(rs.at(-1)!.uptimeS).toBe(3 * DAY);
    const aged = readings({ initial_age_days: 10 }, 0.1, 60);
    expect(aged[0]!.sinceMaintenanceS).toBe(10 * DAY);
    expect(aged.at(-1)!.sinceMaintenanceS).toBe(10 * DAY + 0.1 * DAY);
  });

  it('sessions_per_day 0 never starts a session', () => {
    const none = readings({ sessions_per_day: 0 }, 2, 600);
    expect(none.every((r) => r.connectorStatus === 'Available' && r.sessionCount === 0)).toBe(true);
  });
});
