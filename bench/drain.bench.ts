/**
 * Drain throughput: a backlog of BENCH_DRAIN_RECORDS records (default 1,000,000) pre-filled into a
 * real buffer, drained by the real drain loop to a local server per sink:
 *   drain.timescale_records_per_s         (embedded PostgreSQL, write_method insert = unnest arrays)
 *   drain.timescale_values_records_per_s  (same, multi-row INSERT ... VALUES, for the comparison)
 *   drain.timescale_copy_records_per_s    (same, COPY into a staging table + INSERT ... SELECT)
 *   drain.timescale_vs_copy_ratio         (drain rate / rate of a plain psql \copy of the same rows)
 *   drain.mqtt_records_per_s              (Mosquitto, QoS 1, one record per message)
 *   drain.kafka_records_per_s             (librdkafka mock cluster via kcat, acks=-1, gzip)
 * BENCH_DRAIN_BATCH sets the drain batch size (default 1000); BENCH_DRAIN_SINKS limits the sinks
 * (comma list of timescale,mqtt,kafka).
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { SystemClock } from '../core/clock.js';
import type { EdgeRecord } from '../core/record.js';
import { RecordBuffer } from '../sync/buffer/buffer.js';
import { DrainLoop } from '../sync/drain/drain-loop.js';
import { makePendingRecords } from '../sync/drain/fixtures.js';
import { MockKafka } from '../sync/kafka/mock-cluster.js';
import { kafkaSinkFor } from '../sync/kafka/test-support.js';
import { createSinkMetrics } from '../sync/metrics.js';
import { startMosquitto } from '../sync/mqtt/mosquitto.js';
import { mqttSinkFor } from '../sync/mqtt/test-support.js';
import type { Sink } from '../sync/sink.js';
import { startPgServer, type PgServer } from '../sync/timescale/embedded-pg.js';
import { migrate } from '../sync/timescale/migrations.js';
import { COLUMNS, tableOf, type TableName } from '../sync/timescale/rows.js';
import { timescaleSinkFor } from '../sync/timescale/test-support.js';
import { emit } from './emit.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const RECORDS = Number(process.env.BENCH_DRAIN_RECORDS ?? 1_000_000);
const BATCH = Number(process.env.BENCH_DRAIN_BATCH ?? 1000);
const SINKS = (process.env.BENCH_DRAIN_SINKS ?? 'timescale,mqtt,kafka').split(',');
const log = pino({ level: 'silent' });
const clock = new SystemClock({ trust: 'always' });
const dir = mkdtempSync(join(tmpdir(), 'bench-drain-'));

/** A sink under another name, so each measured variant drains the same buffer with its own cursor. */
function renamed(name: string, sink: Sink): Sink {
  return { name, connect: () => sink.connect(), write: (b) => sink.write(b), probe: () => sink.probe(), close: () => sink.close() };
}

const variants = ['timescale', 'timescale_values', 'timescale_copy', 'mqtt', 'kafka'].filter((v) => SINKS.includes(v.split('_')[0] as string));
const buffer = RecordBuffer.open({ path: join(dir, 'buffer.sqlite'), maxBytes: 64 * 1024 ** 3, synchronous: 'normal', retentionMs: 86_400_000, sinks: variants, clock });
const startTs = Date.now() - RECORDS * 10;
for (let done = 0; done < RECORDS; done += 5000) {
  buffer.append(makePendingRecords(Math.min(5000, RECORDS - done), { gatewayId: 'gw-bench', startTs: startTs + done * 10, stepMs: 10, devices: 8 }));
}

async function drain(sink: Sink): Promise<number> {
  const metrics = createSinkMetrics(new Registry());
  const loop = new DrainLoop({ sink, buffer, clock, log, metrics, batchSize: BATCH, backoff: { initialMs: 100, maxMs: 2000 }, liveWindowMs: 0, idlePollMs: 20 });
  const started = performance.now();
  loop.start();
  while (buffer.pending(sink.name, 1).length > 0) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - started) / 1000;
  await loop.stop();
  return seconds;
}

/** The same rows as CSV per table, loaded with psql \copy: the floor any drain is compared to. */
async function copyRate(pg: PgServer): Promise<number> {
  const client = await pg.client();
  await migrate(client, { schema: 'bench_copy', statement_timeout_ms: 600_000 }, () => {});
  await client.end();
  const csv = (v: unknown, kind: string): string => {
    if (v === null || v === undefined) return '';
    let text: string;
    if (kind === 'ts') text = new Date(v as number).toISOString();
    else if (kind === 'textarr') text = `{${(JSON.parse(v as string) as string[]).map((s) => `"${s.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
    else text = String(v);
    return `"${text.replace(/"/g, '""')}"`;
  };
  // Regenerate the same logical rows (same fixture, own keys) chunk by chunk, straight to CSV files.
  const files = Object.fromEntries((Object.keys(COLUMNS) as TableName[]).map((t) => [t, join(dir, `${t}.csv`)])) as Record<TableName, string>;
  for (const f of Object.values(files)) writeFileSync(f, '');
  for (let done = 0; done < RECORDS; done += 5000) {
    const lines: Record<TableName, string[]> = { telemetry: [], predictions: [], alarms: [] };
    const part = makePendingRecords(Math.min(5000, RECORDS - done), { gatewayId: 'gw-copy', startTs: startTs + done * 10, stepMs: 10, devices: 8 });
    part.forEach((p, i) => {
      const r = { ...p, seq: done + i + 1, key: `gw-copy/${p.deviceId}/${done + i + 1}` } as EdgeRecord;
      const table = tableOf(r) as TableName;
      lines[table].push(`${COLUMNS[table].map((c) => csv(c.get(r), c.kind)).join(',')}\n`);
    });
    for (const t of Object.keys(lines) as TableName[]) appendFileSync(files[t], lines[t].join(''));
  }
  let seconds = 0;
  for (const table of Object.keys(files) as TableName[]) {
    const file = files[table];
    const cols = COLUMNS[table].map((c) => c.name).join(', ');
    const started = performance.now();
    const res = spawnSync('psql', ['-h', '127.0.0.1', '-p', String(pg.port), '-U', pg.user, '-d', pg.database, '-v', 'ON_ERROR_STOP=1',
      '-c', `\\copy bench_copy.${table} (${cols}) FROM '${file}' WITH (FORMAT csv)`], { env: { ...process.env, PGPASSWORD: pg.password }, encoding: 'utf8' });
    seconds += (performance.now() - started) / 1000;
    if (res.status !== 0) throw new Error(`psql \\copy failed: ${res.stderr}`);
  }
  return RECORDS / seconds;
}

try {
  if (SINKS.includes('timescale')) {
    const pg = await startPgServer();
    try {
      const seconds = await drain(renamed('timescale', timescaleSinkFor(pg, log)));
      const rate = RECORDS / seconds;
      emit('drain.timescale_records_per_s', rate, 'records/s', { records: RECORDS, batch: BATCH, seconds, method: 'insert (unnest)' });
      const valuesSeconds = await drain(renamed('timescale_values', timescaleSinkFor(pg, log, { write_method: 'values', schema: 'bench_values' })));
      emit('drain.timescale_values_records_per_s', RECORDS / valuesSeconds, 'records/s', { records: RECORDS, batch: BATCH, seconds: valuesSeconds, method: 'values' });
      const copySeconds = await drain(renamed('timescale_copy', timescaleSinkFor(pg, log, { write_method: 'copy', schema: 'bench_copy_staged' })));
      emit('drain.timescale_copy_records_per_s', RECORDS / copySeconds, 'records/s', { records: RECORDS, batch: BATCH, seconds: copySeconds, method: 'copy (staging)' });
      const copy = await copyRate(pg);
      emit('drain.timescale_vs_copy_ratio', rate / copy, 'ratio', { drainRecordsPerS: rate, copyRecordsPerS: copy });
    } finally {
      await pg.destroy();
    }
  }
  if (SINKS.includes('mqtt')) {
    const broker = await startMosquitto();
    try {
      const seconds = await drain(mqttSinkFor(broker, 'gw-bench', log));
      emit('drain.mqtt_records_per_s', RECORDS / seconds, 'records/s', { records: RECORDS, batch: BATCH, seconds, qos: 1, recordsPerMessage: 1 });
    } finally {
      await broker.destroy();
    }
  }
  if (SINKS.includes('kafka')) {
    const cluster = await MockKafka.start('ev-telemetry', { readBack: false });
    try {
      const seconds = await drain(kafkaSinkFor(cluster, log, { request_timeout_ms: 30_000 }));
      emit('drain.kafka_records_per_s', RECORDS / seconds, 'records/s', { records: RECORDS, batch: BATCH, seconds, acks: -1, compression: 'gzip' });
    } finally {
      await cluster.stop();
    }
  }
} finally {
  buffer.close();
  rmSync(dir, { recursive: true, force: true });
}
