/**
 * buffer.write_records_per_s: durable appends (synchronous=full: one WAL fsync per commit) of
 * 500-record transactions of realistic 16-cell battery records, 4 devices interleaved.
 * buffer.write_records_per_s_sync_normal: the same with synchronous=normal (no fsync per commit;
 * survives a process crash, not power loss), for comparison.
 * buffer.drain_records_per_s: one sink reading pending(500) oldest-first and acking it, full sync.
 *
 * The files go to EV_EDGE_BENCH_DIR (default: the OS temp folder). Measure on the storage the
 * gateway really uses: on tmpfs an fsync is free and the full/normal gap disappears.
 */
import { ManualClock } from '../core/clock.js';
import type { PendingRecord } from '../core/record.js';
import { RecordBuffer } from '../sync/buffer/buffer.js';
import { batteryRecord, tempDir } from '../sync/buffer/test-support.js';
import { emit } from './emit.js';
import { join } from 'node:path';

const BATCH = 500;
const SECONDS_PER_VARIANT = 1.2;
const DEVICES = ['pack-1', 'pack-2', 'pack-3', 'pack-4'];

if (process.env.EV_EDGE_BENCH_DIR) process.env.TMPDIR = process.env.EV_EDGE_BENCH_DIR;

/** Built before timing: making records is the drivers' cost, not the buffer's. */
const batches: PendingRecord[][] = Array.from({ length: 16 }, (_, b) =>
  Array.from({ length: BATCH }, (_, i) => batteryRecord(DEVICES[i % DEVICES.length] as string, 1_780_000_000_000 + b * BATCH + i, b * BATCH + i)),
);
const recordBytes = JSON.stringify(batches[0]?.[0]).length;

function openBuffer(path: string, synchronous: 'full' | 'normal'): RecordBuffer {
  return RecordBuffer.open({ path, maxBytes: 4 * 1024 ** 3, synchronous, retentionMs: 3_600_000, sinks: ['bench'], clock: new ManualClock() });
}

function writeRate(synchronous: 'full' | 'normal'): { rate: number; records: number; wallMs: number; buffer: RecordBuffer; cleanup: () => void } {
  const tmp = tempDir('ev-edge-bench-buffer-');
  const buffer = openBuffer(join(tmp.dir, 'buffer.sqlite'), synchronous);
  buffer.append(batches[0] as PendingRecord[]); // warm-up: schema pages, JIT
  let records = 0;
  const t0 = performance.now();
  for (let i = 0; performance.now() - t0 < SECONDS_PER_VARIANT * 1000; i++) {
    records += buffer.append(batches[i % batches.length] as PendingRecord[]).accepted.length;
  }
  const wallMs = performance.now() - t0;
  return { rate: records / (wallMs / 1000), records, wallMs, buffer, cleanup: tmp.cleanup };
}

const detail = { batch: BATCH, cells: 16, devices: DEVICES.length, recordJsonBytes: recordBytes, dir: process.env.TMPDIR ?? '(os temp)' };

const full = writeRate('full');
emit('buffer.write_records_per_s', full.rate, 'records/s', { ...detail, synchronous: 'full', records: full.records, wallMs: Math.round(full.wallMs) });

// Drain what the durable run wrote: read a page, ack it, as one sink's drain loop would.
let drained = 0;
const t0 = performance.now();
while (performance.now() - t0 < SECONDS_PER_VARIANT * 1000) {
  const page = full.buffer.pending('bench', BATCH);
  if (page.length === 0) break;
  full.buffer.ack('bench', page.map((p) => p.id));
  drained += page.length;
}
const drainMs = performance.now() - t0;
emit('buffer.drain_records_per_s', drained / (drainMs / 1000), 'records/s', { ...detail, synchronous: 'full', records: drained, wallMs: Math.round(drainMs) });
full.buffer.close();
full.cleanup();

const normal = writeRate('normal');
emit('buffer.write_records_per_s_sync_normal', normal.rate, 'records/s', { ...detail, synchronous: 'normal', records: normal.records, wallMs: Math.round(normal.wallMs) });
normal.buffer.close();
normal.cleanup();
