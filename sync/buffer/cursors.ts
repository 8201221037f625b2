/**
 * Per-sink delivery cursors and pending counts (see the invariants in buffer.ts). All methods run
 * inside the caller's transaction; nothing is cached in memory, so a rolled-back transaction can
 * never leave a cursor or a count in memory ahead of the one on disk.
 *
 * sink_cursors_v1.pending is maintained, not counted: +n for every sink on append, -1 for each
 * stored row a sink acknowledges or dead-letters (an ahead entry actually inserted), -k for the k
 * rows still pending for it that the cap deletes. Retention never deletes a pending row.
 */
import type Database from 'better-sqlite3';
import type { RowCounter } from './counters.js';
import { T } from './schema.js';

type Stmt = Database.Statement;

/** Rows a sink must still send: above its cursor and not acknowledged ahead of it. */
const MAX_LIMIT_STATEMENTS = 16;
const UNSENT = `r.id > @cursor AND NOT EXISTS (SELECT 1 FROM ${T.ackedAhead} a WHERE a.sink = @sink AND a.id = r.id)`;

export class SinkCursors {
  private readonly s: Record<
    | 'get' | 'create' | 'setCursor' | 'addPending' | 'addPendingAll' | 'removeOthers' | 'removeAheadOthers' | 'minId'
    | 'maxId' | 'maxEverId' | 'firstUnsent' | 'ackAhead' | 'dropAhead' | 'oldestUnsentTs'
    | 'deadLetter' | 'deadLetterCount' | 'unsentUpTo',
    Stmt
  >;

  private readonly byLimit = new Map<string, Stmt>();

  constructor(
    private readonly db: Database.Database,
    readonly sinks: readonly string[],
    private readonly counter: RowCounter,
  ) {
    const sinkList = `(SELECT value FROM json_each(@sinks))`;
    this.s = {
      get: db.prepare(`SELECT delivered_id AS id, pending FROM ${T.cursors} WHERE sink = ?`),
      create: db.prepare(`INSERT INTO ${T.cursors} (sink, delivered_id, pending) VALUES (@sink, @cursor, @pending)`),
      setCursor: db.prepare(`UPDATE ${T.cursors} SET delivered_id = @cursor WHERE sink = @sink`),
      addPending: db.prepare(`UPDATE ${T.cursors} SET pending = pending + @delta WHERE sink = @sink`),
      addPendingAll: db.prepare(`UPDATE ${T.cursors} SET pending = pending + ?`),
      removeOthers: db.prepare(`DELETE FROM ${T.cursors} WHERE sink NOT IN ${sinkList}`),
      removeAheadOthers: db.prepare(`DELETE FROM ${T.ackedAhead} WHERE sink NOT IN ${sinkList}`),
      minId: db.prepare(`SELECT min(id) AS id FROM ${T.records}`),
      maxId: db.prepare(`SELECT max(id) AS id FROM ${T.records}`),
      maxEverId: db.prepare(`SELECT seq AS id FROM sqlite_sequence WHERE name = '${T.records}'`),
      firstUnsent: db.prepare(`SELECT r.id FROM ${T.records} r WHERE ${UNSENT} ORDER BY r.id LIMIT 1`),
      // Only ids of stored rows: a bogus id above the newest row would otherwise pre-acknowledge
      // a record not yet written (ids are never reused, so that would be silent loss).
      ackAhead: db.prepare(`INSERT OR IGNORE INTO ${T.ackedAhead} (sink, id)
        SELECT @sink, r.id FROM ${T.records} r WHERE r.id = @id AND r.id > @cursor`),
      dropAhead: db.prepare(`DELETE FROM ${T.ackedAhead} WHERE sink = @sink AND id <= @cursor`),
      oldestUnsentTs: db.prepare(`SELECT r.ts FROM ${T.records} r WHERE ${UNSENT} ORDER BY r.id LIMIT 1`),
      deadLetter: db.prepare(`INSERT INTO ${T.deadLetters} (sink, record_id, key, reason, payload, at)
        SELECT @sink, r.id, json_extract(r.payload, '$.key'), @reason, r.payload, @at
        FROM ${T.records} r WHERE r.id = @id AND ${UNSENT}`),
      deadLetterCount: db.prepare(`SELECT count(*) AS n FROM ${T.deadLetters} WHERE sink = ?`),
      unsentUpTo: db.prepare(`SELECT count(*) AS n FROM ${T.records} r
        WHERE r.id <= @last AND ${UNSENT} AND r.type IN (SELECT value FROM json_each(@types))`),
    };
  }

  /** On open: drop cursors of sinks no longer configured, start new sinks at the oldest retained row. */
  sync(): void {
    const sinks = JSON.stringify(this.sinks);
    this.s.removeOthers.run({ sinks });
    this.s.removeAheadOthers.run({ sinks });
    for (const sink of this.sinks) {
      if (this.stored(sink) === undefined) this.s.create.run({ sink, cursor: this.startCursor(), pending: this.counter.rows() });
    }
  }

  /**
   * The sink's cursor. A configured sink without a stored cursor (only possible read-only, before
   * the agent has opened the file with it) reads as a new sink would start.
   */
  cursor(sink: string): number {
    return this.known(sink).stored?.id ?? this.startCursor();
  }

  pendingCount(sink: string): number {
    return this.known(sink).stored?.pending ?? this.counter.rows();
  }

  /** Lowest cursor over the configured sinks; undefined with no sinks (everything counts as delivered). */
  minCursor(): number | undefined {
    let min: number | undefined;
    for (const sink of this.sinks) min = Math.min(min ?? Infinity, this.cursor(sink));
    return min;
  }

  pending(sink: string, limit: number, order: 'oldest' | 'newest'): Array<{ id: number; payload: string }> {
    return this.pendingStatement(order, limit).all({ sink, cursor: this.cursor(sink) }) as Array<{ id: number; payload: string }>;
  }

  /**
   * The pending query with its LIMIT written in, one statement per (order, limit): SQLite uses a
   * bound LIMIT's value to plan, so it re-prepares a statement with `LIMIT @limit` on every run
   * (perf showed sqlite3Reprepare under every drain cycle). Drain loops ask for a handful of
   * distinct limits (their batch sizes); past MAX_LIMIT_STATEMENTS the cache is not grown.
   */
  private pendingStatement(order: 'oldest' | 'newest', limit: number): Stmt {
    const n = Math.max(0, Math.floor(limit));
    const key = `${order}:${n}`;
    let stmt = this.byLimit.get(key);
    if (!stmt) {
      stmt = this.db.prepare(`SELECT r.id, r.payload FROM ${T.records} r WHERE ${UNSENT} ORDER BY r.id ${order === 'newest' ? 'DESC ' : ''}LIMIT ${n}`);
      if (this.byLimit.size < MAX_LIMIT_STATEMENTS) this.byLimit.set(key, stmt);
    }
    return stmt;
  }

  /** New rows are pending for every sink. */
  appended(count: number): void {
    this.s.addPendingAll.run(count);
  }

  /** Before the cap deletes droppable rows up to `last`: they stop being pending for whoever had them pending. */
  beforeCapDelete(last: number, typesJson: string): void {
    for (const sink of this.sinks) {
      const n = (this.s.unsentUpTo.get({ sink, cursor: this.cursor(sink), last, types: typesJson }) as { n: number }).n;
      if (n > 0) this.s.addPending.run({ sink, delta: -n });
    }
  }

  ack(sink: string, ids: readonly number[]): void {
    const cursor = this.cursor(sink);
    let acked = 0;
    for (const id of ids) if (id > cursor) acked += this.s.ackAhead.run({ sink, id, cursor }).changes;
    if (acked > 0) this.s.addPending.run({ sink, delta: -acked });
    this.advance(sink);
  }

  /** Copies each still-unsent row to the dead letters with its reason, then acknowledges it. */
  deadLetter(sink: string, items: ReadonlyArray<{ id: number; reason: string }>, at: number): void {
    const cursor = this.cursor(sink);
    let dead = 0;
    for (const { id, reason } of items) {
      if (this.s.deadLetter.run({ sink, id, reason, at, cursor }).changes > 0) dead += this.s.ackAhead.run({ sink, id, cursor }).changes;
    }
    if (dead > 0) this.s.addPending.run({ sink, delta: -dead });
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
    this.s.setCursor.run({ sink, cursor: target });
    this.s.dropAhead.run({ sink, cursor: target });
  }

  advanceAll(): void {
    for (const sink of this.sinks) this.advance(sink);
  }

  oldestUnsentTs(sink: string): number | null {
    const row = this.s.oldestUnsentTs.get({ sink, cursor: this.cursor(sink) }) as { ts: number } | undefined;
    return row?.ts ?? null;
  }

  deadLetterCount(sink: string): number {
    return (this.s.deadLetterCount.get(sink) as { n: number }).n;
  }

  private known(sink: string): { stored: { id: number; pending: number } | undefined } {
    if (!this.sinks.includes(sink)) throw new Error(`buffer: unknown sink "${sink}" (configured: ${this.sinks.join(', ') || 'none'})`);
    return { stored: this.stored(sink) };
  }

  private stored(sink: string): { id: number; pending: number } | undefined {
    return this.s.get.get(sink) as { id: number; pending: number } | undefined;
  }

  /** Just below the oldest retained row; with none stored, the newest id ever assigned. */
  private startCursor(): number {
    const oldest = (this.s.minId.get() as { id: number | null }).id;
    if (oldest !== null) return oldest - 1;
    return (this.s.maxEverId.get() as { id: number } | undefined)?.id ?? 0;
  }
}
