/**
 * A SunSpec 802 battery (no temperatures, no full capacity) read over Modbus TCP from an independent
 * server (pymodbus) and scored with the committed models: it gets predictions from its first
 * readings, each naming the inputs it lacks, with low confidence; the models that cannot score it
 * say so in evedge_scoring_skipped_total and one log line per device, model and reason. anomaly_pack
 * scores the cell-voltage group alone (the battery reports no temperatures) and is not skipped.
 * Readings are stamped one minute apart (the stage scores each model at most once per minute of
 * record time), the values are the server's.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import type { PendingRecord, PredictionPayload } from '../core/record.js';
import { modbusConfigSchema } from '../drivers/modbus/config.js';
import { ModbusDriver } from '../drivers/modbus/driver.js';
import { havePymodbus, RecordingContext, startServer, waitFor, type RunningServer } from '../drivers/modbus/testdata/harness.js';
import { sunspecBattery } from '../drivers/modbus/testdata/images.js';
import { scoringSchema } from '../models/config.js';
import { ScoringStage } from '../models/scoring/stage.js';

const modelsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'models');

describe.skipIf(!havePymodbus)('scoring a SunSpec 802 battery read from pymodbus (needs /usr/bin/python3 with python3-pymodbus)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ transport: 'tcp', port: 0, units: sunspecBattery(1) });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('predicts from the first readings and names the inputs the battery does not report', async () => {
    const ctx = new RecordingContext('pack-sunspec', 'battery');
    const driver = new ModbusDriver(modbusConfigSchema.parse({ transport: 'tcp', host: '127.0.0.1', port: server.port, timeout_ms: 500, map: 'sunspec-802' }), { intervalMs: 100 });
    await driver.start(ctx);
    try {
      await waitFor(() => ctx.readings.length >= 5, 10_000, 'five readings');
    } finally {
      await driver.stop();
    }
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const registry = new Registry();
    const clock = new ManualClock();
    const stage = await ScoringStage.create({ config: scoringSchema.parse({ enabled: true, hot_reload: false }), modelsDir, registry, log, clock, gatewayId: 'gw' });
    try {
      const start = clock.now();
      const records = ctx.readings.slice(0, 5).map((r, i) => ({
        gatewayId: 'gw', deviceId: 'pack-sunspec', deviceKind: 'battery', source: r.source, ts: start + i * 60_000, clockTrusted: true, ...r.body,
      }) as PendingRecord);
      const out: PendingRecord[] = [];
      for (const record of records) out.push(...(await stage.score([record])));
      const predictions = out.flatMap((r) => (r.type === 'prediction' ? [r.prediction] : [])) as PredictionPayload[];
      const pack = predictions.filter((p) => p.model === 'failure_pack');
      expect(pack.length).toBe(5);
      expect(pack[0]?.basis).toEqual({ historyH: 0, missingInputs: ['temp_mean_ewma_24h', 'c_rate_ewma_1h', 'temp_rise_c', 'temp_spread_c'], confidence: 'low' });
      expect(pack.at(-1)?.basis?.historyH).toBeCloseTo(4 / 60, 3);
      for (const p of pack) expect(p.outputs.failure_probability).toBeGreaterThanOrEqual(0);
      // anomaly_pack (2.0.0, trained with absent inputs) scores the one group whose observation the
      // battery reports, cell-voltage spread, and names the absent inputs and observations; nothing
      // stands in for the temperatures (no thermal or sensor z).
      const anomaly = predictions.filter((p) => p.model === 'anomaly_pack');
      expect(anomaly.length).toBe(5);
      for (const p of anomaly) {
        expect(Object.keys(p.outputs).sort()).toEqual(['anomaly_score', 'anomaly_type', 'z_cell_voltage']);
        expect(p.outputs.anomaly_type).toBe(2);
        expect(p.outputs.anomaly_score).toBe(Math.abs(p.outputs.z_cell_voltage as number));
        expect(p.basis?.missingInputs).toEqual(['c_rate', 'c_rate_ewma_10m', 'c_rate_ewma_1h', 'temp_mean_ewma_24h', 'temp_rise_c', 'temp_spread_c']);
        expect(p.basis?.confidence).toBe('low');
      }
      // Every prediction says what it rests on, the maintenance pseudo-model included.
      expect(predictions.every((p) => p.basis !== undefined)).toBe(true);
      // rul_capacity needs the pack's capacity (full capacity or SoH x nominal): this map has neither nominal nor full capacity.
      expect(predictions.some((p) => p.model === 'rul_capacity')).toBe(false);
      const skipped = (await registry.getSingleMetric('evedge_scoring_skipped_total')?.get())?.values ?? [];
      const reasons = skipped.filter((v) => v.value > 0).map((v) => `${String(v.labels.model)}:${String(v.labels.reason)}`).sort();
      expect(reasons).toContain('rul_capacity:missing_input');
      // anomaly_pack 1.0.0 required every input and skipped this battery (anomaly_pack:missing_input).
      expect(reasons.filter((r) => r.startsWith('anomaly_pack:'))).toEqual([]);
      const skipLines = lines.filter((l) => l.device === 'pack-sunspec' && l.reason !== undefined);
      // One line per device, model and reason, however many batches skipped it.
      expect(new Set(skipLines.map((l) => `${String(l.model)}/${String(l.reason)}`)).size).toBe(skipLines.length);
      expect(skipLines.map((l) => l.model)).toContain('rul_capacity');
    } finally {
      await stage.close();
    }
  }, 30_000);
});
