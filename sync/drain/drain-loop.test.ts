import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../core/clock.js';
import type { EdgeRecord } from '../../core/record.js';
import { RecordBuffer } from '../buffer/buffer.js';
import { createSinkMetrics } from '../metrics.js';
import type { Sink, WriteResult } from '../sink.js';
import { Backoff } from './backoff.js';
import { DrainLoop } from './drain-loop.js';
import { makePendingRecords } from './fixtures.js';

const log = pino({ level: 'silent' });
const clock = new SystemClock({ trust: 'always' });
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function openBuffer(sinks = ['s']): RecordBuffer {
  const dir = mkdtempSync(join(tmpdir(), 'drain-'));
  dirs.push(dir);
  return RecordBuffer.open({ path: join(dir, 'b.sqlite'), maxBytes: 256 * 1024 * 1024, synchronous: 'normal', retentionMs: 0, sinks, clock });
}

/** An in-memory upstream whose behaviour each test scripts: our own Sink interface, not a client library. */
class ScriptedSink implements Sink {
  readonly name: string;
  readonly batches: EdgeRecord[][] = [];
  up = true;
  decide: (r: EdgeRecord) => WriteResult = () => ({ status: 'delivered' });
  hold: Promise<void> | undefined;
  constructor(name = 's') { this.name = name; }
  probes = 0;
  async connect(): Promise<void> { if (!this.up) throw new Error('ECONNREFUSED'); }
  async probe(): Promise<void> { this.probes++; if (!this.up) throw new Error('ECONNREFUSED'); }
  async write(batch: readonly EdgeRecord[]): Promise<WriteResult[]> {
    if (this.hold) await this.hold;
    if (!this.up) throw new Error('connection lost');
    this.batches.push([...batch]);
    return batch.map((r) => this.decide(r));
  }
  async close(): Promise<void> {}
}

function loopFor(sink: Sink, buffer: RecordBuffer, extra: Partial<ConstructorParameters<typeof DrainLoop>[0]> = {}) {
  const registry = new Registry();
  const metrics = createSinkMetrics(registry);
  const loop = new DrainLoop({ sink, buffer, clock, log, metrics, batchSize: 10, backoff: { initialMs: 5, maxMs: 20 }, idlePollMs: 50, probeIntervalMs: 10, reconnectJitterMs: 10, ...extra });
  return { loop, registry, metrics };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Backoff', () => {
  it('draws full jitter in [0, min(max, initial * 2^n)]', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 0.999999);
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([99, 199, 399, 799, 999]);
    const zero = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 0);
    expect(zero.next()).toBe(0);
    b.reset();
    expect(b.ceilingMs()).toBe(100);
  });
});

describe('DrainLoop', () => {
  it('acks delivered, dead-letters rejected and keeps retry records pending', async () => {
    const buffer = openBuffer();
    const accepted = buffer.append(makePendingRecords(30)).accepted;
    const sink = new ScriptedSink();
    const rejectKey = accepted[3]!.key;
    let retriesLeft = 2;
    sink.decide = (r) => r.key === rejectKey ? { status: 'rejected', reason: 'bad value' }
      : r.key === accepted[5]!.key && retriesLeft-- > 0 ? { status: 'retry', reason: 'busy' } : { status: 'delivered' };
    const { loop, registry } = loopFor(sink, buffer);
    loop.start();
    await until(() => buffer.pending('s', 100).length === 0);
    await loop.stop();
    const stats = buffer.stats().sinks[0]!;
    expect(stats.deadLetters).toBe(1);
    const text = await registry.metrics();
    expect(text).toMatch(/evedge_sink_records_sent_total\{sink="s"\} 29/);
    expect(text).toMatch(/evedge_sink_records_dead_lettered_total\{sink="s"\} 1/);
    expect(text).toMatch(/evedge_sink_records_failed_total\{sink="s",reason="retry"\} 2/);
    expect(loop.state).toBe('stopped');
    buffer.close();
  });

  it('backs off while the upstream is down and delivers everything once it is back', async () => {
    const buffer = openBuffer();
    buffer.append(makePendingRecords(25));
    const sink = new ScriptedSink();
    sink.up = false;
    const { loop } = loopFor(sink, buffer);
    loop.start();
    await until(() => loop.state === 'backoff');
    expect(buffer.pending('s', 100)).toHaveLength(25);
    sink.up = true;
    await until(() => buffer.pending('s', 100).length === 0);
    await loop.stop();
    buffer.close();
  });

  it('reconnects an unreachable upstream soon after it answers again, whatever the backoff had grown to', async () => {
    const buffer = openBuffer();
    buffer.append(makePendingRecords(5));
    const sink = new ScriptedSink();
    sink.up = false;
    // A 30 s backoff from the first failure on: only the probe can bring the loop back within 10 s.
    const { loop } = loopFor(sink, buffer, { backoff: { initialMs: 30_000, maxMs: 60_000 }, probeIntervalMs: 20, reconnectJitterMs: 20, random: () => 0.999 });
    loop.start();
    await until(() => loop.state === 'backoff' && sink.probes >= 3);
    sink.up = true;
    await until(() => buffer.pending('s', 10).length === 0, 10_000);
    await loop.stop();
    buffer.close();
  });

  it('a poison batch that breaks the connection still backs off to backoff_max_ms while the upstream answers probes', async () => {
    const buffer = openBuffer();
    buffer.append(makePendingRecords(5));
    const sink = new ScriptedSink();
    sink.write = async () => { throw new Error('server closed the connection unexpectedly'); };
    const lines: Array<{ msg: string; retryInMs?: number }> = [];
    const captured = pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line)); } });
    const { loop } = loopFor(sink, buffer, { log: captured, backoff: { initialMs: 5, maxMs: 80 }, probeIntervalMs: 1, reconnectJitterMs: 1, random: () => 0.999 });
    loop.start();
    const waits = (): number[] => lines.flatMap((l) => (l.retryInMs === undefined ? [] : [l.retryInMs]));
    await until(() => waits().length >= 7);
    await loop.stop();
    expect(waits().slice(0, 7)).toEqual([4, 9, 19, 39, 79, 79, 79]);
    expect(lines.some((l) => l.msg.includes('answers again'))).toBe(false);
    // One probe per reconnect wait, not one per probe interval.
    expect(sink.probes).toBeLessThanOrEqual(waits().length + 1);
    buffer.close();
  });

  it('sends the newest records before the backlog when more than a batch is pending', async () => {
    const buffer = openBuffer();
    const now = Date.now();
    // 100 old records (an hour ago) then 5 live ones.
    buffer.append(makePendingRecords(100, { startTs: now - 3_600_000, stepMs: 10 }));
    const live = buffer.append(makePendingRecords(5, { startTs: now - 500, stepMs: 10 })).accepted;
    const sink = new ScriptedSink();
    const { loop } = loopFor(sink, buffer, { liveWindowMs: 60_000 });
    loop.start();
    await until(() => buffer.pending('s', 200).length === 0);
    await loop.stop();
    expect(sink.batches[0]!.map((r) => r.key)).toEqual(live.map((r) => r.key));
    expect(sink.batches.flat()).toHaveLength(105);
    buffer.close();
  });

  it('wakes promptly on notify instead of waiting for the idle poll', async () => {
    const buffer = openBuffer();
    const sink = new ScriptedSink();
    const { loop } = loopFor(sink, buffer, { idlePollMs: 60_000 });
    loop.start();
    await until(() => loop.state === 'connected');
    await new Promise((r) => setTimeout(r, 50));
    buffer.append(makePendingRecords(3));
    const t0 = Date.now();
    loop.notify();
    await until(() => buffer.pending('s', 10).length === 0, 2000);
    expect(Date.now() - t0).toBeLessThan(1000);
    await loop.stop();
    buffer.close();
  });

  it('abandons a hung write on stop without acking it', async () => {
    const buffer = openBuffer();
    buffer.append(makePendingRecords(5));
    const sink = new ScriptedSink();
    let release!: () => void;
    sink.hold = new Promise((r) => { release = r; });
    const { loop } = loopFor(sink, buffer, { stopGraceMs: 50 });
    loop.start();
    await until(() => loop.state === 'connected');
    await new Promise((r) => setTimeout(r, 30));
    await loop.stop();
    release();
    await new Promise((r) => setTimeout(r, 30));
    expect(buffer.pending('s', 10)).toHaveLength(5);
    buffer.close();
  });

  it('can be started again after stop, and then still waits when idle', async () => {
    const buffer = openBuffer();
    const sink = new ScriptedSink();
    let reads = 0;
    const pending = buffer.pending.bind(buffer);
    buffer.pending = (...args: Parameters<RecordBuffer['pending']>) => { reads++; return pending(...args); };
    const { loop } = loopFor(sink, buffer, { idlePollMs: 30 });
    loop.start();
    await loop.stop();
    loop.start();
    buffer.append(makePendingRecords(4));
    loop.notify();
    await until(() => pending('s', 10).length === 0);
    reads = 0;
    await new Promise((r) => setTimeout(r, 300));
    // Idle means one read per 30 ms poll, not a busy loop.
    expect(reads).toBeLessThan(30);
    expect(loop.state).toBe('connected');
    await loop.stop();
    buffer.close();
  });

  it('with linger, holds a partial batch until it has waited lingerMs, and sends a full batch at once', async () => {
    const buffer = openBuffer();
    const sink = new ScriptedSink();
    const { loop } = loopFor(sink, buffer, { lingerMs: 400 });
    loop.start();
    try {
      const started = Date.now();
      buffer.append(makePendingRecords(3));
      loop.notify();
      await new Promise((r) => setTimeout(r, 150));
      buffer.append(makePendingRecords(3, { startTs: 10_000 }));
      loop.notify(); // an append does not restart the wait
      await until(() => sink.batches.length === 1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(390);
      expect(sink.batches[0]).toHaveLength(6);
      buffer.append(makePendingRecords(10, { startTs: 20_000 }));
      const full = Date.now();
      loop.notify();
      await until(() => sink.batches.length === 2);
      expect(Date.now() - full).toBeLessThan(300);
      expect(sink.batches[1]).toHaveLength(10);
      expect(buffer.pendingCount('s')).toBe(0);
    } finally {
      await loop.stop();
      buffer.close();
    }
  });

  it('limits the send rate', async () => {
    const buffer = openBuffer();
    buffer.append(makePendingRecords(40));
    const sink = new ScriptedSink();
    const { loop } = loopFor(sink, buffer, { maxRecordsPerS: 100 });
    const t0 = Date.now();
    loop.start();
    await until(() => buffer.pending('s', 100).length === 0);
    // 40 records at 100/s: the first batch goes at once, the remaining 30 need >= 300 ms.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    await loop.stop();
    buffer.close();
  });
});
