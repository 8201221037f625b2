/**
 * Recovery after an outage: seconds from an upstream's return to its first delivered record.
 *   sync.recovery_s_after_outage   the worst sink's p95 over BENCH_RECOVERY_OUTAGES outages
 *                                  (default 5), per-sink p50/p95/max and every sample in `detail`
 * Each sink drains a buffer that a simulated gateway appends to (10 records/s) to a real local
 * server, with the drain loop's default settings (backoff 500 ms .. 60 s, probe_interval_ms 1000,
 * reconnect_jitter_ms 2000). Outages last BENCH_RECOVERY_OUTAGE_S (default 15) +-25 %: Mosquitto
 * and PostgreSQL are stopped and started on the same port, kcat's mock Kafka cluster is frozen
 * (SIGSTOP) and continued. The three sinks run side by side, each on its own server and buffer.
 * BENCH_RECOVERY_SINKS limits the sinks; BENCH_RECOVERY_PROBE_MS=0 measures the backoff alone (the
 * loop before probing existed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { SystemClock } from '../core/clock.js';
import { RecordBuffer } from '../sync/buffer/buffer.js';
import { mqttSchema } from '../sync/config.js';
import { DrainLoop } from '../sync/drain/drain-loop.js';
import { makePendingRecords } from '../sync/drain/fixtures.js';
import { ObservedSink } from '../sync/drain/observed-sink.js';
import { drainSettings } from '../sync/index.js';
import { MockKafka } from '../sync/kafka/mock-cluster.js';
import { kafkaSinkFor } from '../sync/kafka/test-support.js';
import { createSinkMetrics } from '../sync/metrics.js';
import { startMosquitto } from '../sync/mqtt/mosquitto.js';
import { mqttSinkFor } from '../sync/mqtt/test-support.js';
import type { Sink } from '../sync/sink.js';
import { startPgServer } from '../sync/timescale/embedded-pg.js';
import { timescaleSinkFor } from '../sync/timescale/test-support.js';
import { emit, percentile } from './emit.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const OUTAGES = Number(process.env.BENCH_RECOVERY_OUTAGES ?? 5);
const OUTAGE_S = Number(process.env.BENCH_RECOVERY_OUTAGE_S ?? 15);
const SINKS = (process.env.BENCH_RECOVERY_SINKS ?? 'timescale,mqtt,kafka').split(',');
const log = pino({ level: 'silent' });
const clock = new SystemClock({ trust: 'always' });
// Every sink block has the same drain defaults; the MQTT block stands for all of them.
const settings = drainSettings(mqttSchema.parse({}));
if (process.env.BENCH_RECOVERY_PROBE_MS !== undefined) settings.probeIntervalMs = Number(process.env.BENCH_RECOVERY_PROBE_MS);

interface Upstream {
  sink: Sink;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what} not reached in ${ms} ms`);
    await sleep(10);
  }
}

/** Runs OUTAGES outages against one upstream; returns the recovery time of each, in seconds. */
async function measure(upstream: Upstream): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-recovery-'));
  const sink = new ObservedSink(upstream.sink);
  const buffer = RecordBuffer.open({ path: join(dir, 'b.sqlite'), maxBytes: 1024 ** 3, synchronous: 'normal', retentionMs: 3_600_000, sinks: [sink.name], clock });
  const loop = new DrainLoop({ sink, buffer, clock, log, metrics: createSinkMetrics(new Registry()), ...settings });
  const appender = setInterval(() => {
    buffer.append(makePendingRecords(1, { gatewayId: `gw-recovery-${sink.name}`, startTs: Date.now() }));
    loop.notify();
  }, 100);
  const samples: number[] = [];
  try {
    loop.start();
    for (let i = 0; i < OUTAGES; i++) {
      await until(() => buffer.pending(sink.name, 1).length === 0, 120_000, `${sink.name} caught up`);
      await sleep(2000);
      await upstream.stop();
      await sleep(OUTAGE_S * 1000 * (0.75 + Math.random() / 2));
      sink.watch();
      await upstream.start();
      const returnedAt = performance.now();
      await until(() => sink.firstDeliveredAt !== undefined, 300_000, `${sink.name} first delivery`);
      samples.push(Math.max(0, ((sink.firstDeliveredAt as number) - returnedAt) / 1000));
    }
  } finally {
    clearInterval(appender);
    await loop.stop();
    buffer.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return samples;
}

async function upstreamFor(name: string): Promise<Upstream> {
  if (name === 'mqtt') {
    const server = await startMosquitto();
    return { sink: mqttSinkFor(server, 'gw-recovery', log), stop: () => server.stop(), start: () => server.start(), destroy: () => server.destroy() };
  }
  if (name === 'timescale') {
    const server = await startPgServer();
    return { sink: timescaleSinkFor(server, log), stop: () => server.stop(), start: () => server.start(), destroy: () => server.destroy() };
  }
  const cluster = await MockKafka.start('ev-recovery', { readBack: false });
  return { sink: kafkaSinkFor(cluster, log), stop: async () => cluster.pause(), start: async () => cluster.resume(), destroy: () => cluster.stop() };
}

const upstreams = await Promise.all(SINKS.map(upstreamFor));
try {
  const perSink = await Promise.all(upstreams.map(async (u) => [u.sink.name, await measure(u)] as const));
  const round = (x: number): number => Number(x.toFixed(3));
  const detail = Object.fromEntries(perSink.map(([name, s]) => [name, {
    p50_s: round(percentile(s, 50)), p95_s: round(percentile(s, 95)), max_s: round(Math.max(...s)), samples_s: s.map(round),
  }]));
  const worst = Math.max(...perSink.map(([, s]) => percentile(s, 95)));
  emit('sync.recovery_s_after_outage', worst, 's', {
    outages: OUTAGES, outage_s: OUTAGE_S, probe_interval_ms: settings.probeIntervalMs, reconnect_jitter_ms: settings.reconnectJitterMs,
    backoff_ms: settings.backoff, sinks: detail,
  });
} finally {
  await Promise.allSettled(upstreams.map((u) => u.destroy()));
}
