/**
 * The newest record of each type per device, kept in memory from committed batches so the status
 * page and /api/devices never query SQLite for "now". History comes from the buffer itself.
 */
import type { EdgeRecord, RecordType } from '../../core/record.js';

export class LatestRecords {
  private readonly byDevice = new Map<string, Partial<Record<RecordType, EdgeRecord>>>();
  /** Newest predictions per model (a device may run several models). */
  private readonly predictions = new Map<string, Map<string, EdgeRecord>>();

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
    }
  }

  latest(deviceId: string): Partial<Record<RecordType, EdgeRecord>> {
    return this.byDevice.get(deviceId) ?? {};
  }

  predictionsOf(deviceId: string): EdgeRecord[] {
    return [...(this.predictions.get(deviceId)?.values() ?? [])];
  }
}
