/**
 * Per-sink delivery cursors (see the invariants in buffer.ts). All methods run inside the
 * caller's transaction; nothing here is cached in memory, so a rolled-back transaction can never
 * leave a cursor in memory ahead of the one on disk.
 */
import type Database from 'better-sqlite3';
import { T } from './schema.js';

type Stmt = Database.Statement;

/** Rows a sink must still send: above its cursor and not acknowledged ahead of it. */
const UNSENT = `r.id > @cursor AND NOT EXISTS (SELECT 1 FROM ${T.ackedAhead} a WHERE a.sink = @sink AND a.id = r.id)`;

export class SinkCursors {
  private readonly s: Record<
    | 'get' | 'set' | 'removeOthers' | 'removeAheadOthers' | 'minId' | 'maxId' | 'maxEverId' | 'firstUnsent'
    | 'oldest' | 'newest' | 'ackAhead' | 'dropAhead' | 'pendingCount' | 'oldestUnsentTs' | 'deadLetter'
    | 'deadLetterCount',
    Stmt
  >;

  constructor(
    db: Database.Database,
    readonly sinks: readonly string[],
  ) {
    const sinkList = `(SELECT value FROM json_each(@sinks))`;
    this.s = {
      get: db.prepare(`SELECT delivered_id AS id FROM ${T.cursors} WHERE sink = ?`),
      set: db.prepare(`INSERT INTO ${T.cursors} (sink, delivered_id) VALUES (@sink, @cursor)
        ON CONFLICT (sink) DO UPDATE SET delivered_id = excluded.delivered_id`),
      removeOthers: db.prepare(`DELETE FROM ${T.cursors} WHERE sink NOT IN ${sinkList}`),
      removeAheadOthers: db.prepare(`DELETE FROM ${T.ackedAhead} WHERE sink NOT IN ${sinkList}`),
      minId: db.prepare(`SELECT min(id) AS id FROM ${T.records}`),
      maxId: db.prepare(`SELECT max(id) AS id FROM ${T.records}`),
      maxEverId: db.prepare(`SELECT seq AS id FROM sqlite_sequence WHERE name = '${T.records}'`),
      firstUnsent: db.prepare(`SELECT r.id FROM ${T.records} r WHERE ${UNSENT} ORDER BY r.id LIMIT 1`),
      oldest: db.prepare(`SELECT r.id, r.payload FROM ${T.records} r WHERE ${UNSENT} ORDER BY r.id LIMIT @limit`),
      newest: db.prepare(`SELECT r.id, r.payload FROM ${T.records} r WHERE ${UNSENT} ORDER BY r.id DESC LIMIT @limit`),
      // Only ids of stored rows: a bogus id above the newest row would otherwise pre-acknowledge
      // a record not yet written (ids are never reused, so that would be silent loss).
      ackAhead: db.prepare(`INSERT OR IGNORE INTO ${T.ackedAhead} (sink, id)
        SELECT @sink, r.id FROM ${T.records} r WHERE r.id = @id AND r.id > @cursor`),
      dropAhead: db.prepare(`DELETE FROM ${T.ackedAhead} WHERE sink = @sink AND id <= @cursor`),
      pendingCount: db.prepare(`SELECT
        (SELECT count(*) FROM ${T.records} WHERE id > @cursor)
        - (SELECT count(*) FROM ${T.ackedAhead} a JOIN ${T.records} r ON r.id = a.id WHERE a.sink = @sink AND a.id > @cursor) AS n`),
      oldestUnsentTs: db.prepare(`SELECT r.ts FROM ${T.records} r WHERE ${UNSENT} ORDER BY r.id LIMIT 1`),
      deadLetter: db.prepare(`INSERT INTO ${T.deadLetters} (sink, record_id, key, reason, payload, at)
        SELECT @sink, r.id, json_extract(r.payload, '$.key'), @reason, r.payload, @at
        FROM ${T.records} r WHERE r.id = @id AND ${UNSENT}`),
      deadLetterCount: db.prepare(`SELECT count(*) AS n FROM ${T.deadLetters} WHERE sink = ?`),
    };
  }

  /** On open: drop cursors of sinks no longer configured, start new sinks at the oldest retained row. */
  sync(): void {
    const sinks = JSON.stringify(this.sinks);
    this.s.removeOthers.run({ sinks });
    this.s.removeAheadOthers.run({ sinks });
    for (const sink of this.sinks) {
      if (this.stored(sink) === undefined) this.s.set.run({ sink, cursor: this.startCursor() });
    }
  }

  /**
   * The sink's cursor. A configured sink without a stored cursor (only possible read-only, before
   * the agent has opened the file with it) reads as a new sink would start.
   */
  cursor(sink: string): number {
    if (!this.sinks.includes(sink)) throw new Error(`buffer: unknown sink "${sink}" (configured: ${this.sinks.join(', ') || 'none'})`);
    return this.stored(sink) ?? this.startCursor();
  }

  /** Lowest cursor over the configured sinks; undefined with no sinks (everything counts as delivered). */
  minCursor(): number | undefined {
    let min: number | undefined;
    for (const sink of this.sinks) min = Math.min(min ?? Infinity, this.cursor(sink));
    return min;
  }

  pending(sink: string, limit: number, order: 'oldest' | 'newest'): Array<{ id: number; payload: string }> {
    const stmt = order === 'newest' ? this.s.newest : this.s.oldest;
    return stmt.all({ sink, cursor: this.cursor(sink), limit }) as Array<{ id: number; payload: string }>;
  }

  ack(sink: string, ids: readonly number[]): void {
    const cursor = this.cursor(sink);
    for (const id of ids) if (id > cursor) this.s.ackAhead.run({ sink, id, cursor });
    this.advance(sink);
  }

  /** Copies each still-unsent row to the dead letters with its reason, then acknowledges it. */
  deadLetter(sink: string, items: ReadonlyArray<{ id: number; reason: string }>, at: number): void {
    const cursor = this.cursor(sink);
    for (const { id, reason } of items) {
      if (this.s.deadLetter.run({ sink, id, reason, at, cursor }).changes > 0) this.s.ackAhead.run({ sink, id, cursor });
    }
    this.advance(sink);
  }

  /**
   * Moves the cursor to just below the first stored row that is neither acknowledged nor
   * dead-lettered (or to the newest row when there is none) and forgets the acks it passed.
   * Rows deleted by the cap are simply absent, so the cursor skips them.
   */
  advance(sink: string): void {
    const cursor = this.cursor(sink);
    const first = this.s.firstUnsent.get({ sink, cursor }) as { id: number } | undefined;
    const target = first ? first.id - 1 : ((this.s.maxId.get() as { id: number | null }).id ?? cursor);
    if (target <= cursor) return;
    this.s.set.run({ sink, cursor: target });
    this.s.dropAhead.run({ sink, cursor: target });
  }

  advanceAll(): void {
    for (const sink of this.sinks) this.advance(sink);
  }

  pendingCount(sink: string): number {
    return (this.s.pendingCount.get({ sink, cursor: this.cursor(sink) }) as { n: number }).n;
  }

  oldestUnsentTs(sink: string): number | null {
    const row = this.s.oldestUnsentTs.get({ sink, cursor: this.cursor(sink) }) as { ts: number } | undefined;
    return row?.ts ?? null;
  }

  deadLetterCount(sink: string): number {
    return (this.s.deadLetterCount.get(sink) as { n: number }).n;
  }

  private stored(sink: string): number | undefined {
    return (this.s.get.get(sink) as { id: number } | undefined)?.id;
  }

  /** Just below the oldest retained row; with none stored, the newest id ever assigned. */
  private startCursor(): number {
    const oldest = (this.s.minId.get() as { id: number | null }).id;
    if (oldest !== null) return oldest - 1;
    return (this.s.maxEverId.get() as { id: number } | undefined)?.id ?? 0;
  }
}
