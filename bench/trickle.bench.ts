/**
 * Bytes on the wire per record for LIVE data at gateway rates, with and without `linger_ms`.
 * wire.bench.ts drains a backlog in 1,000-record batches; live, a drain cycle finds only what
 * arrived since the last one, so each MQTT message or Kafka batch held 1-2 records and cost about
 * 400 bytes per record through the gateway VM's flaky link (docs/RELIABILITY.md, scenario 4).
 *
 * 4 simulated 16-cell packs append one record each every 250 ms (16 records/s) for
 * BENCH_TRICKLE_SECONDS (default 30) per run, through the real drain loop (batch 500) into a local
 * Mosquitto (table-gzip, QoS 1) and librdkafka's mock Kafka (zstd 9):
 *   drain.mqtt_wire_bytes_per_record_live          linger_ms 0 (send what is pending at once)
 *   drain.mqtt_wire_bytes_per_record_live_linger   linger_ms BENCH_TRICKLE_LINGER_MS (default 5000)
 *   drain.kafka_wire_bytes_per_record_live, drain.kafka_wire_bytes_per_record_live_linger
 * Bytes = both directions of every TCP connection the sink opened (wire-counter.ts).
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
const SECONDS = Number(process.env.BENCH_TRICKLE_SECONDS ?? 30);
const LINGER_MS = Number(process.env.BENCH_TRICKLE_LINGER_MS ?? 5000);
const DEVICES = 4;
const TICK_MS = 250;
const log = pino({ level: 'silent' });
const clock = new SystemClock({ trust: 'always' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs one live trickle through `sink`; returns bytes on the wire per record and records per write. */
async function liveRun(sink: Sink, port: number, lingerMs: number): Promise<{ perRecord: number; records: number; writes: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-trickle-'));
  const buffer = RecordBuffer.open({ path: join(dir, 'buffer.sqlite'), maxBytes: 1024 ** 3, synchronous: 'normal', retentionMs: 86_400_000, sinks: [sink.name], clock });
  const gens = Array.from({ length: DEVICES }, (_, i) => simulateDevice({
    deviceId: `pack-${i}`, kind: 'battery', config: simulatorConfig({ seed: i + 1, cells_series: 16 }), durationS: SECONDS * 10, sampleEveryS: 1,
  }));
  let writes = 0;
  const counted: Sink = { name: sink.name, connect: () => sink.connect(), probe: () => sink.probe(), close: () => sink.close(), write: (b) => (writes++, sink.write(b)) };
  const counter = new WireCounter(port);
  const loop = new DrainLoop({ sink: counted, buffer, clock, log, metrics: createSinkMetrics(new Registry()), batchSize: 500, backoff: { initialMs: 100, maxMs: 2000 }, lingerMs });
  loop.start();
  let records = 0;
  try {
    for (let tick = 0; tick < (SECONDS * 1000) / TICK_MS; tick++) {
      const batch: PendingRecord[] = gens.map((g, i) => {
        const next = g.next().value as { ts: number; reading: { source: PendingRecord['source']; body: object } };
        return { gatewayId: 'gw-bench', deviceId: `pack-${i}`, deviceKind: 'battery', source: next.reading.source, ts: Date.now(), clockTrusted: true, ...next.reading.body } as PendingRecord;
      });
      records += buffer.append(batch).accepted.length;
      loop.notify();
      await sleep(TICK_MS);
    }
    // What is still lingering goes out within linger_ms: wait for it, then count.
    while (buffer.pendingCount(sink.name) > 0) await sleep(50);
  } finally {
    await loop.stop();
    counter.stop();
    buffer.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { perRecord: counter.bytes().total / records, records, writes };
}

const runs = [[0, ''], [LINGER_MS, '_linger']] as const;
const broker = await startMosquitto();
try {
  for (const [lingerMs, suffix] of runs) {
    const m = await liveRun(mqttSinkFor(broker, 'gw-bench', log, { payload_format: 'table-gzip' }), broker.port, lingerMs);
    emit(`drain.mqtt_wire_bytes_per_record_live${suffix}`, m.perRecord, 'B/record', { lingerMs, seconds: SECONDS, recordsPerS: (DEVICES * 1000) / TICK_MS, records: m.records, recordsPerWrite: Math.round((m.records / m.writes) * 10) / 10, format: 'table-gzip', qos: 1 });
  }
} finally {
  await broker.destroy();
}
const cluster = await MockKafka.start('ev-telemetry', { readBack: false });
try {
  for (const [lingerMs, suffix] of runs) {
    const m = await liveRun(kafkaSinkFor(cluster, log, { compression: 'zstd', compression_level: 9, request_timeout_ms: 30_000 }), cluster.port, lingerMs);
    emit(`drain.kafka_wire_bytes_per_record_live${suffix}`, m.perRecord, 'B/record', { lingerMs, seconds: SECONDS, recordsPerS: (DEVICES * 1000) / TICK_MS, records: m.records, recordsPerWrite: Math.round((m.records / m.writes) * 10) / 10, compression: 'zstd', acks: -1 });
  }
} finally {
  await cluster.stop();
}
