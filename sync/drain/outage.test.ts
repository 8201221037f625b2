/**
 * Recovery after an outage (issue 12, section 4): a real upstream goes away long enough for the
 * reconnect backoff to grow, comes back on the same port, and the first record must reach it within
 * a bound derived from the probe settings (probe interval + reconnect spread + one local connect
 * and write), not from backoff_max_ms.
 *
 * Outages: Mosquitto and PostgreSQL are stopped and started again on the same port (connections
 * refused meanwhile). The kcat mock cluster is frozen (SIGSTOP) and continued (SIGCONT): killing
 * it would lose the cluster and its port; frozen, it accepts TCP but never answers, as a hung
 * broker or a partition does.
 *
 * Every random draw is at its top (0.999), so the backoff waits sit at their ceilings: the old
 * loop, which only knew the backoff, then waits 100 ms * 2^6 = 6.4 s after the seventh failure,
 * far past the bound, while a loop that probes must see the upstream back within one probe interval.
 * (Checked: against the loop before the probe, all three cases failed, at 3.0-3.2 s with six
 * failures against a 2.0 s bound.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../core/clock.js';
import { RecordBuffer } from '../buffer/buffer.js';
import { MockKafka } from '../kafka/mock-cluster.js';
import { kafkaSinkFor } from '../kafka/test-support.js';
import { createSinkMetrics } from '../metrics.js';
import { startMosquitto } from '../mqtt/mosquitto.js';
import { mqttSinkFor } from '../mqtt/test-support.js';
import type { Sink } from '../sink.js';
import { startPgServer } from '../timescale/embedded-pg.js';
import { timescaleSinkFor } from '../timescale/test-support.js';
import { DrainLoop } from './drain-loop.js';
import { makePendingRecords } from './fixtures.js';
import { ObservedSink } from './observed-sink.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const log = pino({ level: 'silent' });
const clock = new SystemClock({ trust: 'always' });

const PROBE_INTERVAL_MS = 250;
const RECONNECT_JITTER_MS = 250;
const BACKOFF = { initialMs: 100, maxMs: 60_000 };
/** Failed connects and writes before the upstream returns: the next backoff ceiling is 100 ms * 2^6. */
const FAILURES = 7;
/** One connect and one write to a server on this machine, generous for a shared 2-core box. */
const LOCAL_CONNECT_AND_WRITE_MS = 1500;
/** Worst case: the probe sees the upstream within one interval, the connect waits at most the spread. */
const RECOVERY_BOUND_MS = PROBE_INTERVAL_MS + RECONNECT_JITTER_MS + LOCAL_CONNECT_AND_WRITE_MS;

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what} not reached in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Outage {
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Drains to `inner`, takes the upstream away until FAILURES connects or writes failed, brings it back; returns ms to the first delivery. */
async function recoveryMs(inner: Sink, upstream: Outage): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'recovery-'));
  const sink = new ObservedSink(inner);
  const buffer = RecordBuffer.open({ path: join(dir, 'b.sqlite'), maxBytes: 1024 ** 3, synchronous: 'normal', retentionMs: 3_600_000, sinks: [sink.name], clock });
  const loop = new DrainLoop({
    sink, buffer, clock, log, metrics: createSinkMetrics(new Registry()), batchSize: 50, backoff: BACKOFF, idlePollMs: 100,
    probeIntervalMs: PROBE_INTERVAL_MS, reconnectJitterMs: RECONNECT_JITTER_MS, random: () => 0.999,
  });
  const gatewayId = `gw-recovery-${sink.name}-${process.pid}`;
  const append = (n: number): void => {
    buffer.append(makePendingRecords(n, { gatewayId, startTs: Date.now(), stepMs: 1 }));
    loop.notify();
  };
  let stopped = false;
  try {
    loop.start();
    append(5);
    await until(() => buffer.pending(sink.name, 1).length === 0, 30_000, 'first drain');
    await upstream.stop();
    stopped = true;
    append(5);
    await until(() => sink.failures >= FAILURES && loop.state === 'backoff', 120_000, `${FAILURES} failures`);
    sink.watch();
    await upstream.start();
    stopped = false;
    const returnedAt = performance.now();
    append(1);
    await until(() => sink.firstDeliveredAt !== undefined, 120_000, 'first delivery after the return');
    await until(() => buffer.pending(sink.name, 1).length === 0, 30_000, 'drained after the return');
    return Math.max(0, (sink.firstDeliveredAt as number) - returnedAt);
  } finally {
    if (stopped) await upstream.start();
    await loop.stop();
    buffer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('recovery after an outage (real upstreams, same port)', () => {
  it('MQTT: the first record reaches the restarted Mosquitto within the probe bound', async () => {
    const server = await startMosquitto();
    try {
      const ms = await recoveryMs(mqttSinkFor(server, 'gw-recovery', log, { connect_timeout_ms: 1000 }), server);
      expect(ms, `recovery ${Math.round(ms)} ms, bound ${RECOVERY_BOUND_MS} ms`).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    } finally {
      await server.destroy();
    }
  });

  it('timescale: the first record reaches the restarted PostgreSQL within the probe bound', async () => {
    const server = await startPgServer();
    try {
      const ms = await recoveryMs(timescaleSinkFor(server, log, { connect_timeout_ms: 1000 }), server);
      expect(ms, `recovery ${Math.round(ms)} ms, bound ${RECOVERY_BOUND_MS} ms`).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    } finally {
      await server.destroy();
    }
  });

  it('kafka: the first record reaches the continued mock cluster within the probe bound', { timeout: 240_000 }, async () => {
    const cluster = await MockKafka.start('ev-recovery', { readBack: false });
    try {
      const sink = kafkaSinkFor(cluster, log, { connect_timeout_ms: 500, request_timeout_ms: 500 });
      const ms = await recoveryMs(sink, { stop: async () => cluster.pause(), start: async () => cluster.resume() });
      expect(ms, `recovery ${Math.round(ms)} ms, bound ${RECOVERY_BOUND_MS} ms`).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    } finally {
      await cluster.stop();
    }
  });
});
