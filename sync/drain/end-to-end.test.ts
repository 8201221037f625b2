/**
 * The drain loops against real upstreams, from a real RecordBuffer: delivery, outages with
 * continuous appends, independence of sinks, and live-first after an outage.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../core/clock.js';
import type { EdgeRecord } from '../../core/record.js';
import { RecordBuffer } from '../buffer/buffer.js';
import { MockKafka } from '../kafka/mock-cluster.js';
import { kafkaSinkFor } from '../kafka/test-support.js';
import { createSinkMetrics, type SinkMetrics } from '../metrics.js';
import { startMosquitto, type MosquittoServer } from '../mqtt/mosquitto.js';
import { MqttCollector, mqttSinkFor } from '../mqtt/test-support.js';
import type { Sink } from '../sink.js';
import { startPgServer, type PgServer } from '../timescale/embedded-pg.js';
import { pgKeyCounts, timescaleSinkFor } from '../timescale/test-support.js';
import { DrainLoop } from './drain-loop.js';
import { makePendingRecords } from './fixtures.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const log = pino({ level: 'silent' });
const clock = new SystemClock({ trust: 'always' });
let pg: PgServer;
let broker: MosquittoServer;
let kafka: MockKafka;
let collector: MqttCollector;

beforeAll(async () => {
  [pg, broker, kafka] = await Promise.all([startPgServer(), startMosquitto(), MockKafka.start('ev-telemetry')]);
  collector = await MqttCollector.start(broker);
});
afterAll(async () => {
  await collector?.stop();
  await Promise.all([pg?.destroy(), broker?.destroy(), kafka?.stop()]);
});

interface Rig {
  buffer: RecordBuffer;
  loops: Map<string, DrainLoop>;
  metrics: SinkMetrics;
  accepted: EdgeRecord[];
  append(n: number, opts?: { startTs?: number; stepMs?: number }): EdgeRecord[];
  drained(sink: string): boolean;
  stop(): Promise<void>;
}

let rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs) await r.stop();
  rigs = [];
});

let gatewayCounter = 0;
function rig(sinks: Sink[], batchSize = 200, liveWindowMs = 60_000): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-'));
  const buffer = RecordBuffer.open({ path: join(dir, 'b.sqlite'), maxBytes: 1024 ** 3, synchronous: 'normal', retentionMs: 3_600_000, sinks: sinks.map((s) => s.name), clock });
  const metrics = createSinkMetrics(new Registry());
  const loops = new Map(sinks.map((sink) => [sink.name, new DrainLoop({
    sink, buffer, clock, log, metrics, batchSize, backoff: { initialMs: 50, maxMs: 400 }, liveWindowMs, idlePollMs: 200,
  })]));
  const gatewayId = `gw-e2e-${process.pid}-${++gatewayCounter}`;
  const accepted: EdgeRecord[] = [];
  const r: Rig = {
    buffer, loops, metrics, accepted,
    append(n, opts = {}) {
      const got = buffer.append(makePendingRecords(n, { gatewayId, startTs: opts.startTs ?? Date.now(), stepMs: opts.stepMs ?? 1 })).accepted;
      accepted.push(...got);
      for (const l of loops.values()) l.notify();
      return got;
    },
    drained: (sink) => buffer.pending(sink, 1).length === 0,
    async stop() {
      await Promise.all([...loops.values()].map((l) => l.stop()));
      buffer.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  rigs.push(r);
  return r;
}

async function until(cond: () => boolean | Promise<boolean>, ms = 60_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what} not reached in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function lag(metrics: SinkMetrics, sink: string): Promise<number> {
  return (await metrics.lagSeconds.get()).values.find((v) => v.labels.sink === sink)?.value ?? Number.NaN;
}

function sinks(): Sink[] {
  return [timescaleSinkFor(pg), mqttSinkFor(broker, `gw-e2e-mqtt-${++gatewayCounter}`), kafkaSinkFor(kafka)];
}

async function expectAll(r: Rig): Promise<void> {
  const keys = r.accepted.map((a) => a.key);
  const pgCounts = await pgKeyCounts(pg, keys);
  expect(pgCounts.size, 'PostgreSQL holds every accepted record').toBe(keys.length);
  expect([...pgCounts.values()].every((n) => n === 1), 'exactly once').toBe(true);
  expect((await collector.waitFor(keys)).size, 'MQTT has every key').toBe(keys.length);
  expect((await kafka.waitFor(keys)).size, 'Kafka has every key').toBe(keys.length);
}

describe('drain loops end to end', () => {
  it('drains a buffer to PostgreSQL, MQTT and Kafka', async () => {
    const r = rig(sinks());
    r.append(700);
    for (const l of r.loops.values()) l.start();
    await until(() => ['timescale', 'mqtt', 'kafka'].every((s) => r.drained(s)), 60_000, 'drained');
    await expectAll(r);
  });

  it('survives every upstream going down while records keep arriving', async () => {
    const r = rig(sinks(), 100);
    for (const l of r.loops.values()) l.start();
    const appender = setInterval(() => r.append(15), 40);
    try {
      await new Promise((res) => setTimeout(res, 1000));
      await Promise.all([pg.stop(), broker.stop()]);
      kafka.pause();
      await new Promise((res) => setTimeout(res, 2500));
      const duringOutage = r.accepted.length;
      await Promise.all([pg.start(), broker.start()]);
      kafka.resume();
      await new Promise((res) => setTimeout(res, 1000));
      expect(r.accepted.length).toBeGreaterThan(duringOutage);
    } finally {
      clearInterval(appender);
    }
    await until(() => ['timescale', 'mqtt', 'kafka'].every((s) => r.drained(s)), 90_000, 'drained after outage');
    await expectAll(r);
    // Nothing else of this gateway in PostgreSQL: the key sets are equal, not just included.
    const gateway = r.accepted[0]!.gatewayId;
    const rows = await pg.query<{ n: string }>(`SELECT count(*) AS n FROM (SELECT key FROM ev_edge.telemetry WHERE gateway_id = $1
      UNION ALL SELECT key FROM ev_edge.predictions WHERE gateway_id = $1 UNION ALL SELECT key FROM ev_edge.alarms WHERE gateway_id = $1) k`, [gateway]);
    expect(Number(rows[0]!.n)).toBe(r.accepted.length);
  });

  it('keeps PostgreSQL current while MQTT is down', async () => {
    const r = rig([timescaleSinkFor(pg), mqttSinkFor(broker, `gw-indep-${++gatewayCounter}`)], 100);
    await broker.stop();
    try {
      for (const l of r.loops.values()) l.start();
      const started = Date.now();
      let maxPgLag = 0;
      while (Date.now() - started < 5000) {
        r.append(10);
        await new Promise((res) => setTimeout(res, 50));
        maxPgLag = Math.max(maxPgLag, await lag(r.metrics, 'timescale'));
      }
      await until(() => r.drained('timescale'), 10_000, 'timescale drained');
      expect(maxPgLag).toBeLessThan(2.5);
      expect(await lag(r.metrics, 'mqtt')).toBeGreaterThan(4);
      expect(r.loops.get('mqtt')!.state).not.toBe('connected');
      expect(r.buffer.pending('mqtt', 10_000).length).toBe(r.accepted.length);
    } finally {
      await broker.start();
    }
    await until(() => r.drained('mqtt'), 30_000, 'mqtt drained after restart');
  });

  it('sends the newest records before the backlog after an outage', async () => {
    const r = rig([timescaleSinkFor(pg), mqttSinkFor(broker, `gw-live-${++gatewayCounter}`)], 100, 60_000);
    await Promise.all([pg.stop(), broker.stop()]);
    try {
      for (const l of r.loops.values()) l.start();
      // Ten minutes of history while the uplink was down, then the present.
      const backlog = r.append(3000, { startTs: Date.now() - 600_000, stepMs: 200 });
      const live = r.append(1)[0]!;
      await Promise.all([pg.start(), broker.start()]);
      await until(() => r.drained('timescale') && r.drained('mqtt'), 60_000, 'drained');
      const times = await pg.query<{ key: string; t: Date }>(
        'SELECT key, received_at AS t FROM ev_edge.telemetry WHERE key = ANY($1) UNION ALL SELECT key, received_at FROM ev_edge.predictions WHERE key = ANY($1) UNION ALL SELECT key, received_at FROM ev_edge.alarms WHERE key = ANY($1)',
        [r.accepted.map((a) => a.key)]);
      const at = new Map(times.map((t) => [t.key, t.t.getTime()]));
      const lastBacklog = Math.max(...backlog.map((b) => at.get(b.key) ?? Infinity));
      expect(at.get(live.key)).toBeLessThan(lastBacklog);
      await collector.waitFor(r.accepted.map((a) => a.key));
      const liveIndex = collector.order.indexOf(live.key);
      const lastBacklogIndex = Math.max(...backlog.map((b) => collector.order.lastIndexOf(b.key)));
      expect(liveIndex).toBeGreaterThanOrEqual(0);
      expect(liveIndex).toBeLessThan(lastBacklogIndex - 2000);
    } finally {
      await Promise.all([pg.start(), broker.start()]);
    }
  });
});
