import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { DEAD_LETTER_KEEP, type RecordBuffer } from './buffer.js';
import { batteryRecord, openTestBuffer, tempDir } from './test-support.js';
import type { ManualClock } from '../../core/clock.js';

const HOUR = 3_600_000;

describe('RecordBuffer cursors', () => {
  let dir: string;
  let cleanup: () => void;
  let path: string;
  let buffer: RecordBuffer;
  let clock: ManualClock;

  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    path = join(dir, 'nested', 'buffer.sqlite');
    ({ buffer, clock } = openTestBuffer(path, { retentionMs: HOUR }));
  });
  afterEach(() => {
    buffer.close();
    cleanup();
  });

  function appendN(n: number, deviceId = 'pack-1'): number[] {
    const records = Array.from({ length: n }, (_, i) => batteryRecord(deviceId, clock.now() + i, i));
    buffer.append(records);
    return buffer.pending('a', 1_000_000).map((p) => p.id).slice(-n);
  }
  const ids = (sink: string, order?: 'oldest' | 'newest') => buffer.pending(sink, 1000, order).map((p) => p.id);
  const cursorOf = (sink: string) => buffer.stats().sinks.find((s) => s.sink === sink)?.cursor;

  it('advances two sinks independently', () => {
    const all = appendN(10);
    expect(ids('a')).toEqual(all);
    expect(ids('b')).toEqual(all);
    buffer.ack('a', all.slice(0, 4));
    expect(ids('a')).toEqual(all.slice(4));
    expect(ids('b')).toEqual(all);
    expect(cursorOf('a')).toBe(all[3]);
    expect(cursorOf('b')).toBe((all[0] as number) - 1);
    const stats = buffer.stats().sinks;
    expect(stats.map((s) => [s.sink, s.pending])).toEqual([['a', 6], ['b', 10]]);
  });

  it('returns the newest first on request and keeps out-of-order acks above the cursor', () => {
    const all = appendN(6);
    expect(ids('a', 'newest')).toEqual([...all].reverse());
    // Live-first: the two newest are delivered before the backlog.
    buffer.ack('a', all.slice(4));
    expect(ids('a')).toEqual(all.slice(0, 4));
    expect(cursorOf('a')).toBe((all[0] as number) - 1); // the oldest is still unsent
    expect(buffer.stats().sinks[0]?.pending).toBe(4);
    // The backlog, acked in scrambled order: the cursor jumps over everything acked ahead.
    buffer.ack('a', [all[2] as number, all[0] as number]);
    expect(cursorOf('a')).toBe(all[0]);
    buffer.ack('a', [all[3] as number, all[1] as number]);
    expect(cursorOf('a')).toBe(all[5]);
    expect(ids('a')).toEqual([]);
    expect(buffer.stats().sinks[0]).toMatchObject({ pending: 0, oldestUnsentTs: null });
  });

  it('ignores acks of ids it never stored, so a future row cannot be pre-acknowledged', () => {
    const all = appendN(3);
    const last = all[2] as number;
    buffer.ack('a', [last + 1, last + 2, -5]);
    const next = appendN(2);
    expect(ids('a')).toEqual([...all, ...next]);
  });

  it('excludes dead-lettered rows from pending and keeps them with their reason', () => {
    const all = appendN(5);
    buffer.deadLetter('a', [{ id: all[1] as number, reason: 'schema rejected: cellVoltagesV too long' }]);
    expect(ids('a')).toEqual([all[0], ...all.slice(2)]);
    expect(ids('b')).toEqual(all);
    buffer.ack('a', [all[0] as number]);
    expect(cursorOf('a')).toBe(all[2] as number - 1);
    const stats = buffer.stats().sinks;
    expect(stats.map((s) => [s.sink, s.deadLetters])).toEqual([['a', 1], ['b', 0]]);
    // Dead-lettering an already acknowledged row changes nothing.
    buffer.deadLetter('a', [{ id: all[0] as number, reason: 'late' }]);
    expect(buffer.stats().sinks[0]?.deadLetters).toBe(1);
  });

  it('keeps only the newest DEAD_LETTER_KEEP dead letters per sink', () => {
    const n = DEAD_LETTER_KEEP + 7;
    buffer.append(Array.from({ length: n }, (_, i) => batteryRecord('pack-1', clock.now(), i)));
    const rows = buffer.pending('a', n);
    buffer.deadLetter('a', rows.map((r) => ({ id: r.id, reason: 'rejected' })));
    buffer.deadLetter('b', rows.slice(0, 3).map((r) => ({ id: r.id, reason: 'rejected' })));
    expect(buffer.stats().sinks.map((s) => s.deadLetters)).toEqual([n, 3]);
    buffer.applyRetention();
    expect(buffer.stats().sinks.map((s) => s.deadLetters)).toEqual([DEAD_LETTER_KEEP, 3]);
  });

  it('reports the age of the oldest unsent record per sink', () => {
    const first = clock.now();
    const all = appendN(3);
    buffer.ack('a', [all[0] as number]);
    const [a, b] = buffer.stats().sinks;
    expect(a?.oldestUnsentTs).toBe(first + 1);
    expect(b?.oldestUnsentTs).toBe(first);
  });

  it('deletes rows only when every sink has them and retention has passed', () => {
    const all = appendN(10);
    buffer.ack('a', all);
    clock.advance(2 * HOUR);
    expect(buffer.applyRetention()).toBe(0); // sink b has none of them
    buffer.ack('b', all.slice(0, 3));
    expect(buffer.applyRetention()).toBe(3);
    expect(ids('b')).toEqual(all.slice(3));

    const fresh = appendN(2);
    buffer.ack('a', fresh);
    buffer.ack('b', [...all, ...fresh]);
    expect(buffer.applyRetention()).toBe(7); // the fresh two are younger than retention
    expect(buffer.stats().rows).toBe(2);
    clock.advance(HOUR + 1); // the second fresh row is stamped 1 ms after the first
    expect(buffer.applyRetention()).toBe(1);
    clock.advance(1);
    expect(buffer.applyRetention()).toBe(1);
    expect(buffer.stats()).toMatchObject({ rows: 0, oldestTs: null, newestTs: null });
  });

  it('deletes at most maxRows per retention call, oldest first', () => {
    const all = appendN(10);
    buffer.ack('a', all);
    buffer.ack('b', all);
    clock.advance(2 * HOUR);
    expect(buffer.applyRetention(4)).toBe(4);
    expect(buffer.recent('pack-1', 100).map((r) => r.seq)).toEqual([10, 9, 8, 7, 6, 5]);
    expect([buffer.applyRetention(4), buffer.applyRetention(4), buffer.applyRetention(4)]).toEqual([4, 2, 0]);
    expect(buffer.stats().rows).toBe(0);
  });

  it('releases the hold of a sink removed from config, and starts a new sink at the oldest retained row', () => {
    const all = appendN(6);
    buffer.ack('a', all);
    buffer.close();
    clock.advance(2 * HOUR);
    ({ buffer } = openTestBuffer(path, { clock, retentionMs: HOUR, sinks: ['a'] }));
    expect(buffer.applyRetention()).toBe(6); // b no longer holds them
    const more = appendN(4);
    buffer.ack('a', more.slice(0, 1));
    buffer.close();

    ({ buffer } = openTestBuffer(path, { clock, retentionMs: HOUR, sinks: ['a', 'c', 'b'] }));
    expect(ids('c')).toEqual(more); // the whole retained history, not just new rows
    expect(ids('b')).toEqual(more); // re-added: a fresh cursor, not the removed one
    expect(buffer.stats().sinks.map((s) => s.sink)).toEqual(['a', 'c', 'b']);
    expect(() => buffer.pending('zzz', 1)).toThrow(/unknown sink "zzz"/);
  });

  it('starts a new sink after the newest id ever assigned when the buffer is empty', () => {
    const all = appendN(3);
    buffer.ack('a', all);
    buffer.ack('b', all);
    clock.advance(2 * HOUR);
    expect(buffer.applyRetention()).toBe(3);
    buffer.close();
    ({ buffer } = openTestBuffer(path, { clock, sinks: ['a', 'b', 'new'] }));
    expect(cursorOf('new')).toBe(all[2]);
    const next = appendN(1);
    expect(next[0]).toBe((all[2] as number) + 1); // ids are never reused
    expect(ids('new')).toEqual(next);
  });

  it('treats every record as delivered when no sink is configured (retention still applies)', () => {
    buffer.close();
    ({ buffer } = openTestBuffer(path, { clock, retentionMs: HOUR, sinks: [] }));
    buffer.append([batteryRecord('pack-1', clock.now())]);
    expect(buffer.applyRetention()).toBe(0);
    clock.advance(HOUR + 1);
    expect(buffer.applyRetention()).toBe(1);
    expect(buffer.stats().sinks).toEqual([]);
  });
});
