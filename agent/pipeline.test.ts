import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { batteryRecord, openTestBuffer, predictionRecord, tempDir } from '../sync/buffer/test-support.js';
import { AgentMetrics } from './metrics.js';
import { Pipeline } from './pipeline.js';
import type { EdgeRecord, PendingRecord } from '../core/record.js';

const silent = pino({ level: 'silent' });
const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.();
});

function counterValue(metrics: AgentMetrics, name: string, labels: Record<string, string>): Promise<number> {
  return metrics.registry.getSingleMetric(name)!.get().then((m) =>
    m.values.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)).reduce((a, v) => a + v.value, 0),
  );
}

describe('pipeline', () => {
  it('commits batches to the buffer with the scoring stage output in the same transaction', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const { buffer } = openTestBuffer(join(dir, 'b.sqlite'), { sinks: [] });
    cleanups.push(() => buffer.close());
    const committed: EdgeRecord[] = [];
    const metrics = new AgentMetrics();
    const pipeline = new Pipeline({
      store: buffer, metrics, log: silent, flushIntervalMs: 1000, batchMax: 10,
      scoring: (batch) => [predictionRecord(batch[0]!.deviceId, batch[0]!.ts)],
      onCommitted: (records) => committed.push(...records),
    });
    for (let i = 0; i < 25; i++) pipeline.accept(batteryRecord('p1', 1000 + i, i));
    await pipeline.stop();
    // 25 telemetry records in batches of 10, 10, 5: one prediction per batch.
    expect(committed.filter((r) => r.type === 'battery')).toHaveLength(25);
    expect(committed.filter((r) => r.type === 'prediction')).toHaveLength(3);
    expect(committed.map((r) => r.seq)).toEqual(Array.from({ length: 28 }, (_, i) => i + 1));
    expect(await counterValue(metrics, 'evedge_records_buffered_total', { device: 'p1' })).toBe(28);
    expect(buffer.stats().rows).toBe(28);
  });

  it('runs no timer while nothing is queued, and commits readings that arrive together in one transaction', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const { buffer } = openTestBuffer(join(dir, 'b.sqlite'), { sinks: [] });
    cleanups.push(() => buffer.close());
    const commits: number[] = [];
    const pipeline = new Pipeline({
      store: buffer, metrics: new AgentMetrics(), log: silent, flushIntervalMs: 50, batchMax: 100,
      onCommitted: (records) => commits.push(records.length),
    });
    // The flush timer itself (other timers of the test runner come and go).
    const timer = () => (pipeline as unknown as { timer?: NodeJS.Timeout }).timer;
    pipeline.start();
    expect(timer()).toBeUndefined(); // an idle pipeline does not wake the event loop
    for (let d = 0; d < 10; d++) pipeline.accept(batteryRecord(`p${d}`, 1000));
    const armed = timer();
    expect(armed).toBeDefined();
    pipeline.accept(batteryRecord('p9', 1001));
    expect(timer()).toBe(armed); // one timer, keeping the first record's deadline
    await new Promise((r) => setTimeout(r, 120));
    expect(commits).toEqual([11]);
    expect(timer()).toBeUndefined();
    pipeline.accept(batteryRecord('p0', 2000));
    await new Promise((r) => setTimeout(r, 120));
    expect(commits).toEqual([11, 1]);
    await pipeline.stop();
  });

  it('keeps telemetry when scoring throws', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const { buffer } = openTestBuffer(join(dir, 'b.sqlite'), { sinks: [] });
    cleanups.push(() => buffer.close());
    const metrics = new AgentMetrics();
    const pipeline = new Pipeline({
      store: buffer, metrics, log: silent, flushIntervalMs: 1000, batchMax: 100,
      scoring: () => { throw new Error('model exploded'); },
    });
    pipeline.accept(batteryRecord('p1', 1));
    await pipeline.stop();
    expect(buffer.stats().rows).toBe(1);
    expect(await counterValue(metrics, 'evedge_component_failures_total', { component: 'scoring' })).toBe(1);
  });

  it('sheds the oldest telemetry, never predictions, when the in-memory queue overflows', async () => {
    const failing = { append: (): never => { throw new Error('disk I/O error'); } };
    const metrics = new AgentMetrics();
    const pipeline = new Pipeline({ store: failing, metrics, log: silent, flushIntervalMs: 1000, batchMax: 1000, maxQueued: 5 });
    pipeline.accept(predictionRecord('p1', 0));
    for (let i = 1; i <= 7; i++) pipeline.accept(batteryRecord('p1', i));
    expect(pipeline.queued).toBe(5);
    expect(await counterValue(metrics, 'evedge_records_dropped_total', { reason: 'memory_queue_full' })).toBe(3);
  });

  // A real full filesystem: a 1 MiB tmpfs. Needs root (mount); skipped otherwise.
  const canMount = process.getuid?.() === 0;
  it.skipIf(!canMount)('loses nothing when the disk fills: records wait in memory and commit once space returns', async () => {
    const { dir, cleanup } = tempDir('ev-edge-fulldisk-');
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
    } catch {
      cleanup();
      return; // no mount privilege in this sandbox: nothing to prove here
    }
    cleanups.push(cleanup);
    cleanups.push(() => execFileSync('umount', ['-l', mnt]));
    const { buffer } = openTestBuffer(join(mnt, 'b.sqlite'), { sinks: [], maxBytes: 512 * 1024 * 1024 });
    cleanups.push(() => buffer.close());
    const metrics = new AgentMetrics();
    const committed = new Set<string>();
    const pipeline = new Pipeline({
      store: buffer, metrics, log: silent, flushIntervalMs: 1_000_000, batchMax: 200, maxQueued: 1_000_000,
      onCommitted: (records) => records.forEach((r) => committed.add(r.key)),
    });
    const produced: PendingRecord[] = [];
    for (let i = 0; i < 6000; i++) {
      const record = batteryRecord(`p${i % 3}`, 1000 + i, i);
      produced.push(record);
      pipeline.accept(record);
      if (i % 200 === 199) await pipeline.flush();
    }
    await pipeline.flush();
    expect(pipeline.queued).toBeGreaterThan(0); // the disk really filled
    const failures = await counterValue(metrics, 'evedge_component_failures_total', { component: 'buffer' });
    expect(failures).toBeGreaterThan(0);
    // Regression: a failing disk was retried once per incoming record (thousands of appends);
    // now only the explicit flushes (one per 200 records) try, and back off in between.
    expect(failures).toBeLessThanOrEqual(30);
    const before = committed.size;
    execFileSync('mount', ['-o', 'remount,size=64m', mnt]);
    await pipeline.stop();
    expect(pipeline.queued).toBe(0);
    expect(committed.size).toBe(produced.length);
    expect(buffer.stats().rows).toBe(produced.length);
    expect(before).toBeLessThan(produced.length);
  });
});
