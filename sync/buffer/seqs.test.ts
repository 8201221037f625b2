import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EdgeRecord } from '../../core/record.js';
import type { RecordBuffer } from './buffer.js';
import { FLOOR_BLOCK } from './seqs.js';
import { batteryRecord, openTestBuffer, tempDir } from './test-support.js';

/**
 * seqs.ts: with `synchronous: normal`, a power cut must never make the buffer hand out a seq (an
 * idempotency key) a second time. A power cut is simulated by copying the files as they stood at
 * a moment after the last fsync (the floor reservation) and reopening the copy with another boot
 * id. That the reservation really is fsynced first is checked by real power cuts in the gateway VM
 * (docs/RELIABILITY.md, scenario 3 with `synchronous: normal`).
 */
describe('RecordBuffer seqs across power cuts (synchronous: normal)', () => {
  let cleanup: () => void;
  let dir: string;
  const open: RecordBuffer[] = [];
  const openAt = (path: string, bootId: string, synchronous: 'full' | 'normal' = 'normal') => {
    const { buffer } = openTestBuffer(path, { synchronous, bootId, sinks: ['a'] });
    open.push(buffer);
    return buffer;
  };
  const append = (buffer: RecordBuffer, n: number, from: number): EdgeRecord[] =>
    buffer.append(Array.from({ length: n }, (_, i) => batteryRecord('pack-1', from + i, from + i))).accepted;
  /** The files as a power cut at this moment would leave them (no -shm: SQLite rebuilds it). */
  const snapshot = (path: string, name: string): string => {
    const folder = join(dir, name);
    mkdirSync(folder);
    for (const suffix of ['', '-wal']) if (existsSync(path + suffix)) copyFileSync(path + suffix, join(folder, 'buffer.sqlite') + suffix);
    return join(folder, 'buffer.sqlite');
  };

  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
  });
  afterEach(() => {
    for (const buffer of open.splice(0)) buffer.close();
    cleanup();
  });

  it('never gives a key twice when a cut rolls the file back to before records already sent', () => {
    const path = join(dir, 'buffer.sqlite');
    const live = openAt(path, 'boot-1');
    append(live, 3, 1);
    const afterCut = snapshot(path, 'cut');
    const sentBeforeCut = append(live, 5, 4).map((r) => r.key); // upstream has these; the cut takes them
    expect(sentBeforeCut).toHaveLength(5);

    const rebooted = openAt(afterCut, 'boot-2');
    expect(rebooted.seqsRaisedOnOpen).toBe(1);
    const after = append(rebooted, 5, 9);
    expect(after.map((r) => r.key).filter((key) => sentBeforeCut.includes(key))).toEqual([]);
    expect(after[0]?.seq).toBeGreaterThan(8); // past every seq used before the cut
    expect(after.map((r) => r.seq)).toEqual(Array.from({ length: 5 }, (_, i) => (after[0]?.seq ?? 0) + i));
  });

  it('keeps every seq it hands out below a stored floor, across batches that cross floors', () => {
    const path = join(dir, 'buffer.sqlite');
    const live = openAt(path, 'boot-1');
    const reader = new Database(path, { readonly: true });
    try {
      let from = 1;
      for (const size of [1, FLOOR_BLOCK - 3, 5, FLOOR_BLOCK * 2, 1, 40]) {
        const seqs = append(live, size, from).map((r) => r.seq);
        from += size;
        const { floor } = reader.prepare(`SELECT floor FROM seq_floor_v1 WHERE device_id = 'pack-1'`).get() as { floor: number };
        expect(Math.max(...seqs)).toBeLessThan(floor);
      }
    } finally {
      reader.close();
    }
  });

  it('leaves no gap after a clean close, rebooted or not', () => {
    const path = join(dir, 'buffer.sqlite');
    const first = openAt(path, 'boot-1');
    append(first, 3, 1);
    first.close();
    const second = openAt(path, 'boot-2');
    expect(second.seqsRaisedOnOpen).toBe(0);
    expect(append(second, 2, 4).map((r) => r.seq)).toEqual([4, 5]);
  });

  it('leaves no gap after a crash within the same boot (the page cache kept every commit)', () => {
    const path = join(dir, 'buffer.sqlite');
    const live = openAt(path, 'boot-1');
    append(live, 4, 1);
    const crashed = snapshot(path, 'crash');
    expect(append(openAt(crashed, 'boot-1'), 2, 5).map((r) => r.seq)).toEqual([5, 6]);
  });

  it('honours a floor left by normal mode when the next start runs with full', () => {
    const path = join(dir, 'buffer.sqlite');
    const live = openAt(path, 'boot-1');
    append(live, 2, 1);
    const afterCut = snapshot(path, 'cut');
    const sent = append(live, 3, 3).map((r) => r.seq);
    const after = append(openAt(afterCut, 'boot-2', 'full'), 1, 6);
    expect(after[0]?.seq).toBeGreaterThan(Math.max(...sent));
  });

  it('writes no floors with synchronous: full (no extra fsyncs)', () => {
    const path = join(dir, 'buffer.sqlite');
    const live = openAt(path, 'boot-1', 'full');
    append(live, 3, 1);
    live.close();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM seq_floor_v1').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });
});
