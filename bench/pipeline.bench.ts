/**
 * pipeline.records_per_s: simulated battery and charger records (physics included) through the
 * agent's Pipeline into a durable (synchronous=full) SQLite buffer, batched as the agent does.
 * Run: npm run bench -- pipeline
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SystemClock } from '../core/clock.js';
import { AgentMetrics } from '../agent/metrics.js';
import { Pipeline } from '../agent/pipeline.js';
import type { PendingRecord } from '../core/record.js';
import { simulateDevice, simulatorConfig } from '../drivers/simulator/index.js';
import { RecordBuffer } from '../sync/buffer/index.js';
import { emit } from './emit.js';

const DEVICES = 4;
const RECORDS_PER_DEVICE = Number(process.env.BENCH_PIPELINE_RECORDS ?? 25_000);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ev-edge-bench-pipeline-'));
  const buffer = RecordBuffer.open({
    path: join(dir, 'buffer.sqlite'), maxBytes: 4 * 1024 ** 3, synchronous: 'full', retentionMs: 3_600_000, sinks: [], clock: new SystemClock(),
  });
  let committed = 0;
  const pipeline = new Pipeline({
    store: buffer, metrics: new AgentMetrics(), log: pino({ level: 'silent' }), flushIntervalMs: 250, batchMax: 2000,
    onCommitted: (records) => (committed += records.length),
  });
  const generators = Array.from({ length: DEVICES }, (_, i) => {
    const kind = i % 2 === 0 ? 'battery' : 'charger';
    const deviceId = `bench-${kind}-${i}`;
    return { deviceId, kind, readings: simulateDevice({ deviceId, kind, config: simulatorConfig({ seed: i + 1, cells_series: 96 }), durationS: RECORDS_PER_DEVICE, sampleEveryS: 1 }) } as const;
  });
  const started = performance.now();
  let produced = 0;
  for (let n = 0; n < RECORDS_PER_DEVICE; n++) {
    for (const g of generators) {
      const next = g.readings.next();
      if (next.done) continue;
      const { ts, reading } = next.value;
      const record = { gatewayId: 'bench', deviceId: g.deviceId, deviceKind: g.kind, source: reading.source, ts, clockTrusted: true, ...reading.body } as PendingRecord;
      pipeline.accept(record);
      produced++;
    }
    if (pipeline.queued >= 2000) await pipeline.flush();
  }
  await pipeline.stop();
  const seconds = (performance.now() - started) / 1000;
  buffer.close();
  rmSync(dir, { recursive: true, force: true });
  if (committed !== produced) throw new Error(`committed ${committed} of ${produced}`);
  emit('pipeline.records_per_s', committed / seconds, 'records/s', { records: committed, devices: DEVICES, cells_series: 96, synchronous: 'full', batch: 2000 });
}

await main();
