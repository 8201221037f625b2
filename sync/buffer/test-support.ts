/** Shared by the buffer's tests and its benchmark: realistic records and throwaway buffer files. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../core/clock.js';
import type { PendingRecord } from '../../core/record.js';
import { RecordBuffer } from './buffer.js';
import type { BufferOptions } from './types.js';

export const GATEWAY = 'gw-test';

export function tempDir(prefix = 'ev-edge-buffer-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A 16-cell pack reading with every field a real BMS reports; `n` varies the values. */
export function batteryRecord(deviceId: string, ts: number, n = 0): PendingRecord {
  const cells = Array.from({ length: 16 }, (_, i) => Math.round((3.3 + 0.001 * ((n + i * 7) % 50)) * 1000) / 1000);
  return {
    gatewayId: GATEWAY, deviceId, deviceKind: 'battery', source: 'simulator', ts, clockTrusted: true,
    type: 'battery',
    battery: {
      packVoltageV: Math.round(cells.reduce((a, b) => a + b, 0) * 1000) / 1000,
      packCurrentA: -12.5 + (n % 25), powerW: 650.25, socPct: 80 - (n % 60) / 10, sohPct: 97.5,
      tempMinC: 24.1, tempMaxC: 27.9, tempMeanC: 25.6,
      cellVoltageMinV: Math.min(...cells), cellVoltageMaxV: Math.max(...cells), cellVoltagesV: cells,
      cycleCount: 412, remainingCapacityAh: 80.2, fullCapacityAh: 100, chargingState: 'discharging', alarmFlags: [],
    },
  };
}

export function chargerRecord(deviceId: string, ts: number): PendingRecord {
  return {
    gatewayId: GATEWAY, deviceId, deviceKind: 'charger', source: 'simulator', ts, clockTrusted: true,
    type: 'charger', charger: { connectorStatus: 'Charging', powerW: 7200, energyDeliveredWh: 123456, errorCodes: [] },
  };
}

export function alarmRecord(deviceId: string, ts: number): PendingRecord {
  return {
    gatewayId: GATEWAY, deviceId, deviceKind: 'battery', source: 'simulator', ts, clockTrusted: true,
    type: 'alarm', alarm: { rule: 'cell_overvoltage', severity: 'critical', message: 'cell 3 above 3.65 V', value: 3.7, threshold: 3.65 },
  };
}

export function predictionRecord(deviceId: string, ts: number): PendingRecord {
  return {
    gatewayId: GATEWAY, deviceId, deviceKind: 'battery', source: 'simulator', ts, clockTrusted: true,
    type: 'prediction', prediction: { model: 'rul', modelVersion: '1.0.0', outputs: { rul_cycles: 812 }, inputsTs: ts },
  };
}

export function openTestBuffer(path: string, overrides: Partial<BufferOptions> = {}): { buffer: RecordBuffer; clock: ManualClock } {
  const clock = (overrides.clock as ManualClock | undefined) ?? new ManualClock();
  const buffer = RecordBuffer.open({
    path, maxBytes: 64 * 1024 * 1024, synchronous: 'full', retentionMs: 3_600_000, sinks: ['a', 'b'], clock, ...overrides,
  });
  return { buffer, clock };
}
