/**
 * The newest record of each type per device, kept in memory from committed batches so the status
 * page and /api/devices never query SQLite for "now". History comes from the buffer itself.
 * After a restart, prime() seeds it from the buffer (a few rows per device), so the page shows the
 * last known values, with their timestamps, before the first new reading arrives.
 */
import type { EdgeRecord, RecordType } from '../../core/record.js';

/** Prediction rows read per device when priming: enough to find every model's newest. */
const PRIME_PREDICTION_ROWS = 50;
/** Newest alarms kept per device for /api/alarms (alarms are rare: one per episode). */
export const ALARMS_KEPT = 50;

export class LatestRecords {
  private readonly byDevice = new Map<string, Partial<Record<RecordType, EdgeRecord>>>();
  /** Newest predictions per model (a device may run several models). */
  private readonly predictions = new Map<string, Map<string, EdgeRecord>>();
  /** Newest ALARMS_KEPT alarms per device, oldest first: /api/alarms is polled, and scanning the buffer for rare rows is not bounded by anything useful. */
  private readonly alarms = new Map<string, EdgeRecord[]>();

  observe(records: readonly EdgeRecord[]): void {
    for (const record of records) {
      const entry = this.byDevice.get(record.deviceId) ?? {};
      entry[record.type] = record;
      this.byDevice.set(record.deviceId, entry);
      if (record.type === 'prediction') {
        const models = this.predictions.get(record.deviceId) ?? new Map<string, EdgeRecord>();
        models.set(record.prediction.model, record);
        this.predictions.set(record.deviceId, models);
      }
      if (record.type === 'alarm') {
        const list = this.alarms.get(record.deviceId) ?? [];
        list.push(record);
        if (list.length > ALARMS_KEPT) list.splice(0, list.length - ALARMS_KEPT);
        this.alarms.set(record.deviceId, list);
      }
    }
  }

  /** Seed from stored records; `newest(id, type, limit)` reads newest first within a bounded window. */
  prime(devices: ReadonlyArray<{ id: string; kind: RecordType }>, newest: (deviceId: string, type: RecordType, limit: number) => EdgeRecord[]): void {
    for (const device of devices) {
      const stored = [
        ...newest(device.id, device.kind, 1),
        ...newest(device.id, 'alarm', ALARMS_KEPT),
        ...newest(device.id, 'prediction', PRIME_PREDICTION_ROWS),
      ].sort((a, b) => a.seq - b.seq);
      this.observe(stored);
    }
  }

  latest(deviceId: string): Partial<Record<RecordType, EdgeRecord>> {
    return this.byDevice.get(deviceId) ?? {};
  }

  /** Newest first, at most ALARMS_KEPT per device. */
  alarmsOf(deviceId: string): EdgeRecord[] {
    return [...(this.alarms.get(deviceId) ?? [])].reverse();
  }

  predictionsOf(deviceId: string): EdgeRecord[] {
    return [...(this.predictions.get(deviceId)?.values() ?? [])];
  }
}
