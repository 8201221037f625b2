/**
 * Realistic records for sink tests and benchmarks (no test framework imports, so the benchmarks
 * and the crash-test child process can use it from dist/).
 */
import type { PendingRecord } from '../../core/record.js';

/** Battery, charger, prediction and alarm records in rotation, `ts` spaced `stepMs` apart. */
export function makePendingRecords(count: number, opts: { gatewayId?: string; startTs?: number; stepMs?: number; devices?: number } = {}): PendingRecord[] {
  const gatewayId = opts.gatewayId ?? 'gw-test';
  const start = opts.startTs ?? Date.parse('2026-06-01T00:00:00Z');
  const step = opts.stepMs ?? 1000;
  const devices = opts.devices ?? 4;
  const out: PendingRecord[] = [];
  for (let i = 0; i < count; i++) out.push(makeRecord(i, gatewayId, start + i * step, devices));
  return out;
}

export function makeRecord(i: number, gatewayId: string, ts: number, devices = 4): PendingRecord {
  const n = i % devices;
  const header = { gatewayId, ts, clockTrusted: true, source: 'simulator' as const };
  switch (i % 10) {
    case 7:
      return { ...header, deviceId: `charger-${n}`, deviceKind: 'charger', type: 'charger', charger: {
        connectorStatus: 'Charging', powerW: 7200 + (i % 50), energyDeliveredWh: 10_000 + i, sessionEnergyWh: i % 5000,
        temperatureC: 41.5, errorCodes: i % 20 === 7 ? ['HighTemperature'] : [], uptimeS: i, sessionCount: 3,
      } };
    case 8:
      return { ...header, deviceId: `pack-${n}`, deviceKind: 'battery', type: 'prediction', prediction: {
        model: 'rul', modelVersion: '1.0.0', outputs: { rul_cycles: 800 - (i % 100) }, inputsTs: ts - 1000,
      } };
    case 9:
      return { ...header, deviceId: `pack-${n}`, deviceKind: 'battery', type: 'alarm', alarm: {
        rule: 'pack_overtemperature', severity: 'warning', message: 'pack temperature above 55 C', value: 56.2, threshold: 55,
      } };
    default: {
      const voltage = 52 + (i % 7) * 0.1;
      const current = ((i % 40) - 20) * 1.5;
      return { ...header, deviceId: `pack-${n}`, deviceKind: 'battery', type: 'battery', battery: {
        packVoltageV: voltage, packCurrentA: current, powerW: voltage * current, socPct: 50 + (i % 50), sohPct: 97.5,
        tempMinC: 24.1, tempMaxC: 27.9, tempMeanC: 25.6, cellVoltageMinV: 3.28, cellVoltageMaxV: 3.31,
        cellVoltagesV: Array.from({ length: 16 }, (_, c) => 3.28 + (c % 4) * 0.01), cycleCount: 412,
        chargingState: current > 0 ? 'charging' : current < 0 ? 'discharging' : 'idle', alarmFlags: [],
      } };
    }
  }
}
