/**
 * Bytes on the wire per record, backlog drain of BENCH_WIRE_RECORDS (default 20,000) simulated
 * 16-cell battery records (4 devices, 1 Hz physics, ~590 B of JSON each) through the real drain
 * loop (batches of BENCH_DRAIN_BATCH, default 1000) to a local Mosquitto and librdkafka's mock Kafka:
 *   drain.mqtt_wire_bytes_per_record           payload_format table-gzip, QoS 1 (the figure to watch)
 *   drain.mqtt_wire_bytes_per_record_jsonl     payload_format jsonl-gzip
 *   drain.mqtt_wire_bytes_per_record_json      payload_format json, one record per message (the old way)
 *   drain.kafka_wire_bytes_per_record          compression zstd level 9, acks=-1 (the figure to watch)
 *   drain.kafka_wire_bytes_per_record_gzip     gzip level 9 (the default: every consumer reads it)
 *   drain.kafka_wire_bytes_per_record_gzip6    gzip at zlib's default level 6 (kafkajs's own codec, the old way)
 *   drain.kafka_wire_bytes_per_record_none     no compression
 * Bytes = both directions of every TCP connection the sink opened (wire-counter.ts), connect,
 * metadata and acknowledgements included, divided by the records drained.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { SystemClock } from '../core/clock.js';
import type { PendingRecord } from '../core/record.js';
import { simulateDevice, simulatorConfig } from '../drivers/simulator/index.js';
import { RecordBuffer } from '../sync/buffer/buffer.js';
import { DrainLoop } from '../sync/drain/drain-loop.js';
import { MockKafka } from '../sync/kafka/mock-cluster.js';
import { kafkaSinkFor } from '../sync/kafka/test-support.js';
import { createSinkMetrics } from '../sync/metrics.js';
import { startMosquitto } from '../sync/mqtt/mosquitto.js';
import { mqttSinkFor } from '../sync/mqtt/test-support.js';
import type { Sink } from '../sync/sink.js';
import { emit } from './emit.js';
import { WireCounter } from './wire-counter.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const RECORDS = Number(process.env.BENCH_WIRE_RECORDS ?? 20_000);
const BATCH = Number(process.env.BENCH_DRAIN_BATCH ?? 1000);
const DEVICES = 4;
const log = pino({ level: 'silent' });
const clock = new SystemClock({ trust: 'always' });
const dir = mkdtempSync(join(tmpdir(), 'bench-wire-'));

const mqttFormats = [['table-gzip', ''], ['jsonl-gzip', '_jsonl'], ['json', '_json']] as const;
const kafkaCodecs = [['zstd', 9, ''], ['gzip', 9, '_gzip'], ['gzip', 6, '_gzip6'], ['none', 9, '_none']] as const;
const cursors = [...mqttFormats.map(([f]) => `mqtt-${f}`), ...kafkaCodecs.map(([c, l]) => `kafka-${c}${l}`)];

/** Simulated 16-cell packs, interleaved as the agent would buffer them. */
function simulatedBacklog(): PendingRecord[] {
  const perDevice = Math.ceil(RECORDS / DEVICES);
  const gens = Array.from({ length: DEVICES }, (_, i) => ({
    deviceId: `pack-${i}`,
    readings: simulateDevice({ deviceId: `pack-${i}`, kind: 'battery', config: simulatorConfig({ seed: i + 1, cells_series: 16 }), durationS: perDevice, sampleEveryS: 1 }),
  }));
  const out: PendingRecord[] = [];
  while (out.length < RECORDS) {
    for (const g of gens) {
      const next = g.readings.next();
      if (next.done || out.length >= RECORDS) continue;
      out.push({ gatewayId: 'gw-bench', deviceId: g.deviceId, deviceKind: 'battery', source: next.value.reading.source, ts: next.value.ts, clockTrusted: true, ...next.value.reading.body } as PendingRecord);
    }
  }
  return out;
}

const buffer = RecordBuffer.open({ path: join(dir, 'buffer.sqlite'), maxBytes: 4 * 1024 ** 3, synchronous: 'normal', retentionMs: 30 * 86_400_000, sinks: cursors, clock });
const backlog = simulatedBacklog();
for (let i = 0; i < backlog.length; i += 5000) buffer.append(backlog.slice(i, i + 5000));
const jsonBytes = backlog.reduce((n, r) => n + JSON.stringify(r).length, 0) / backlog.length;

function renamed(name: string, sink: Sink): Sink {
  return { name, connect: () => sink.connect(), write: (b) => sink.write(b), probe: () => sink.probe(), close: () => sink.close() };
}

/** Drains the whole backlog through `sink`, returns bytes on the wire per record. */
async function wireBytesPerRecord(sink: Sink, port: number): Promise<{ perRecord: number; written: number; read: number; seconds: number }> {
  const counter = new WireCounter(port);
  const loop = new DrainLoop({ sink, buffer, clock, log, metrics: createSinkMetrics(new Registry()), batchSize: BATCH, backoff: { initialMs: 100, maxMs: 2000 }, liveWindowMs: 0, idlePollMs: 20 });
  const started = performance.now();
  loop.start();
  while (buffer.pending(sink.name, 1).length > 0) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - started) / 1000;
  await loop.stop();
  counter.stop();
  const b = counter.bytes();
  return { perRecord: b.total / RECORDS, written: b.written, read: b.read, seconds };
}

try {
  const broker = await startMosquitto();
  try {
    for (const [format, suffix] of mqttFormats) {
      const sink = renamed(`mqtt-${format}`, mqttSinkFor(broker, 'gw-bench', log, { payload_format: format }));
      const m = await wireBytesPerRecord(sink, broker.port);
      emit(`drain.mqtt_wire_bytes_per_record${suffix}`, m.perRecord, 'B/record', { records: RECORDS, batch: BATCH, format, qos: 1, jsonBytesPerRecord: Math.round(jsonBytes), written: m.written, read: m.read, recordsPerS: Math.round(RECORDS / m.seconds) });
    }
  } finally {
    await broker.destroy();
  }
  const cluster = await MockKafka.start('ev-telemetry', { readBack: false });
  try {
    for (const [compression, level, suffix] of kafkaCodecs) {
      const sink = renamed(`kafka-${compression}${level}`, kafkaSinkFor(cluster, log, { compression, compression_level: level, request_timeout_ms: 30_000 }));
      const m = await wireBytesPerRecord(sink, cluster.port);
      emit(`drain.kafka_wire_bytes_per_record${suffix}`, m.perRecord, 'B/record', { records: RECORDS, batch: BATCH, compression, level, acks: -1, jsonBytesPerRecord: Math.round(jsonBytes), written: m.written, read: m.read, recordsPerS: Math.round(RECORDS / m.seconds) });
    }
  } finally {
    await cluster.stop();
  }
} finally {
  buffer.close();
  rmSync(dir, { recursive: true, force: true });
}
