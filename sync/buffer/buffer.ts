/**
 * The crash-safe record buffer: every accepted record is in this SQLite file before anyone is
 * told it was accepted, and leaves it only when every sink has it and local history expired, or
 * when the size cap drops raw telemetry (counted).
 *
 * # Durability
 * - WAL journal. `synchronous` is chosen per deployment: FULL (the default in config) fsyncs the
 *   WAL on every commit, so a record `append` returned survives power loss, which is the point on
 *   a gateway with flaky power. NORMAL survives a crash of the process only.
 * - Every public mutation is ONE synchronous better-sqlite3 transaction with no `await` inside:
 *   a crash (SIGKILL, power cut) leaves either all of it or none of it. Writes use BEGIN IMMEDIATE.
 * - A sink's acknowledgement (`ack`) commits without an fsync of its own: the next one makes it
 *   durable, and a power cut before that replays those records to the sink (ack-sync.ts).
 * - Statements are prepared once, in the constructors. auto_vacuum=INCREMENTAL is set before the
 *   first table exists, so `compact()` can give freed pages back without a full VACUUM.
 * - Table names carry the schema version (records_v1 ...); buffer_meta holds it. A file from a
 *   newer schema, a non-database file, or someone else's database is refused with a
 *   BufferOpenError naming the path and the reason; the buffer never deletes such a file.
 *
 * # Ids and sequences
 * - `id` (records_v1 rowid, AUTOINCREMENT) is monotonic in arrival order and never reused, even
 *   after the newest rows were deleted. Cursors and acks speak ids.
 * - `seq` is per device, assigned in the inserting transaction from device_seq_v1.next_seq, which
 *   is updated in that same transaction: seqs are assigned gap-free, never reused (rows deleted
 *   later do not give their seq back) and survive restarts. key = idempotencyKey(gateway, device,
 *   seq), so a re-send after a crash carries the same key and sinks deduplicate it. With
 *   `synchronous: normal` a power cut rolls next_seq back; seqs.ts keeps seqs unique anyway (an
 *   fsynced floor), at the price of a gap after the cut.
 * - A gap in the seqs a sink receives therefore means the cap dropped telemetry (see below), the
 *   sink itself dead-lettered records, or (`normal` only) a power cut; nothing else (a sink added later simply starts at the oldest
 *   retained row). Per device, seq order equals id order, so UNIQUE(device_id, seq) doubles as the
 *   (device, newest first) index `recent()` reads: one index fewer on every insert.
 * - The stored payload is the full EdgeRecord JSON (with seq and key): sinks get exactly what was
 *   accepted. Typed columns exist only for queries (device_id, seq, type, ts).
 *
 * # Cursors (one per configured sink)
 * - sink_cursors_v1.delivered_id = C means every id <= C is acknowledged or dead-lettered by that
 *   sink. It never moves backwards.
 * - An ack above C (live-first draining sends newest first) is remembered in sink_acked_ahead_v1;
 *   only ids of stored rows are accepted there. After every ack the cursor moves to just below the
 *   smallest stored id > C that is not acked ahead (or to the newest id when there is none), and
 *   the ahead entries at or below it are deleted. So ahead entries stay few unless a sink leaves
 *   an old row unacknowledged, which is what `pending` then shows.
 * - pending(sink) = stored rows with id > C and no ahead entry. A dead-lettered row is copied to
 *   dead_letters_v1 (with its key, reason and payload) and acknowledged in the same transaction.
 * - On open, cursors of sinks no longer configured (and their ahead rows) are removed: such a
 *   sink stops holding rows. A new sink starts just below the oldest stored row (it gets the
 *   whole retained history), or at the newest id ever assigned when the buffer is empty.
 *
 * # Deletion: the only three ways a row leaves records_v1
 * 1. applyRetention(): id <= min(cursor over configured sinks) AND ts < now - retentionMs. With
 *    no sink configured every row counts as delivered. Age is the record's own ts against the
 *    injected clock: a row stamped by an untrusted clock (1970) goes as soon as it is delivered
 *    (only local history is lost); one stamped in the future stays until the clock catches up.
 * 2. The cap, inside every append transaction: while used bytes ((page_count - freelist_count) *
 *    page_size, this connection's view) exceed maxBytes, the OLDEST droppable rows (isDroppable:
 *    'battery', 'charger') are deleted in chunks, delivered or not, each counted in drop_counts_v1
 *    by reason ('buffer_full') and type. 'prediction' and 'alarm' rows are never dropped. When
 *    nothing older is droppable, the batch's own telemetry goes too (oldest first): it consumed
 *    seqs, so the loss is visible downstream as a seq gap, and it is reported in
 *    AppendResult.dropped and left out of `accepted`. Predictions and alarms of that batch are
 *    still accepted, even though used bytes then stay above the cap (they are small and rare;
 *    stats() shows usedBytes > maxBytes). Afterwards every cursor is advanced, so rows the cap
 *    took from under a cursor are skipped rather than waited for.
 * 3. Never otherwise: not on open, not on error, not for a removed or unknown sink.
 * An append never fails because of one record: a record it cannot store (empty ids, non-finite ts,
 * unknown type, unserialisable payload) is skipped BEFORE taking a seq and counted as 'invalid'.
 * Anything else that fails (disk full, I/O error) rolls the whole batch back: nothing stored, no
 * seq consumed, and the caller keeps the batch to retry.
 * Dead letters are kept, the newest DEAD_LETTER_KEEP per sink (pruned by applyRetention), so a
 * sink that rejects everything cannot fill the disk with them.
 *
 * # Counts
 * stats() must stay cheap on a full buffer (it runs every few seconds on the event loop), so it
 * counts nothing: the row total (counters_v1) and each sink's pending count (sink_cursors_v1.pending)
 * are maintained in the same transactions that insert, acknowledge and delete (see counters.ts
 * and cursors.ts), and are therefore exactly as crash-safe as the rows themselves.
 *
 * # Space
 * Deleting rows puts pages on the freelist (reused by later inserts). compact() runs
 * incremental_vacuum to return them to the filesystem and checkpoints the WAL with TRUNCATE; the
 * WAL is also capped by journal_size_limit after automatic checkpoints.
 */
import type Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import type { Clock } from '../../core/clock.js';
import { sequenced, type EdgeRecord, type PendingRecord, type RecordType } from '../../core/record.js';
import { UnsyncedCommits } from './ack-sync.js';
import { ALL_RECORD_TYPES, SizeCap } from './cap.js';
import { RowCounter } from './counters.js';
import { SinkCursors } from './cursors.js';
import { BufferReadOnlyError } from './errors.js';
import { HistorySampler } from './history.js';
import { openDatabase, T } from './schema.js';
import { currentBootId, DeviceSeqs } from './seqs.js';
import type { AppendResult, BufferedRecord, BufferOptions, BufferStats, DropReason } from './types.js';

export type * from './types.js';
export { BufferOpenError, BufferReadOnlyError, type BufferOpenFailure } from './errors.js';

/** The buffer's file name inside data_dir. */
export const BUFFER_FILE_NAME = 'buffer.sqlite';
/** Dead letters kept per sink (newest); older ones are pruned by applyRetention. */
export const DEAD_LETTER_KEEP = 10_000;

type Stmt = Database.Statement;

export class RecordBuffer {
  private readonly counter: RowCounter;
  private readonly cursors: SinkCursors;
  private readonly cap: SizeCap;
  private readonly history: HistorySampler;
  private readonly clock: Clock;
  private readonly seqs: DeviceSeqs;
  private readonly acks: UnsyncedCommits;
  /** Devices whose seqs skipped ahead on open because a power cut took commits (`synchronous: normal`, seqs.ts). */
  seqsRaisedOnOpen = 0;
  private readonly s: Record<
    | 'insert' | 'addDrop' | 'oldestTs' | 'newestTs' | 'drops' | 'recent'
    | 'recentTyped' | 'maxId' | 'retention' | 'dlSinks' | 'dlPrune' | 'checkpoint',
    Stmt
  >;

  private constructor(
    private readonly db: Database.Database,
    private readonly options: BufferOptions,
  ) {
    this.clock = options.clock;
    this.counter = new RowCounter(db);
    this.cursors = new SinkCursors(db, [...new Set(options.sinks)], this.counter);
    this.cap = new SizeCap(db, options.maxBytes);
    this.history = new HistorySampler(db);
    this.seqs = new DeviceSeqs(db, options.synchronous);
    this.acks = new UnsyncedCommits(db, options.synchronous);
    this.s = {
      insert: db.prepare(`INSERT INTO ${T.records} (device_id, seq, type, ts, payload) VALUES (?, ?, ?, ?, ?)`),
      addDrop: db.prepare(`INSERT INTO ${T.dropCounts} (reason, type, count) VALUES (?, ?, ?)
        ON CONFLICT (reason, type) DO UPDATE SET count = count + excluded.count`),
      oldestTs: db.prepare(`SELECT ts FROM ${T.records} ORDER BY id LIMIT 1`),
      newestTs: db.prepare(`SELECT ts FROM ${T.records} ORDER BY id DESC LIMIT 1`),
      drops: db.prepare(`SELECT reason, type, count FROM ${T.dropCounts} ORDER BY reason, type`),
      recent: db.prepare(`SELECT payload FROM ${T.records} WHERE device_id = ? ORDER BY seq DESC LIMIT ?`),
      recentTyped: db.prepare(`SELECT payload FROM ${T.records} WHERE device_id = ?
        AND type IN (SELECT value FROM json_each(?)) ORDER BY seq DESC LIMIT ?`),
      maxId: db.prepare(`SELECT max(id) AS id FROM ${T.records}`),
      retention: db.prepare(`DELETE FROM ${T.records} WHERE id IN
        (SELECT id FROM ${T.records} WHERE id <= ? AND ts < ? ORDER BY id LIMIT ?)`),
      dlSinks: db.prepare(`SELECT DISTINCT sink FROM ${T.deadLetters}`),
      dlPrune: db.prepare(`DELETE FROM ${T.deadLetters} WHERE sink = @sink AND dl_id <=
        (SELECT dl_id FROM ${T.deadLetters} WHERE sink = @sink ORDER BY dl_id DESC LIMIT 1 OFFSET @keep)`),
      checkpoint: db.prepare('PRAGMA wal_checkpoint(TRUNCATE)'),
    };
  }

  static open(options: BufferOptions): RecordBuffer {
    const readOnly = options.readOnly === true;
    const db = openDatabase({ path: options.path, synchronous: options.synchronous, readOnly });
    try {
      const buffer = new RecordBuffer(db, options);
      if (!readOnly) {
        db.transaction(() => {
          buffer.cursors.sync();
          buffer.seqsRaisedOnOpen = buffer.seqs.opened(options.bootId ?? currentBootId());
        }).immediate();
      }
      return buffer;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** One transaction: assigns each record the next per-device seq (gap-free, survives restarts), stores it, enforces the cap. Returns the accepted (now durable) records. */
  append(records: PendingRecord[]): AppendResult {
    this.writable('append');
    if (records.length === 0) return { accepted: [], dropped: [] };
    this.seqs.reserve(records.map((record) => record.deviceId));
    return this.db.transaction(() => this.appendInTransaction(records)).immediate();
  }

  private appendInTransaction(records: PendingRecord[]): AppendResult {
    const nextSeq = new Map<string, number>();
    const accepted: EdgeRecord[] = [];
    const ids: number[] = [];
    const invalid = new Map<string, number>();
    for (const record of records) {
      const seq = wellFormed(record)
        ? nextSeq.get(record.deviceId) ?? this.seqs.next(record.deviceId)
        : undefined;
      const edge = seq === undefined ? undefined : sequenced(record, seq);
      const payload = edge === undefined ? undefined : serialise(edge);
      if (seq === undefined || edge === undefined || payload === undefined) {
        // Skipped before it takes a seq: the device's stream stays gap-free.
        const type = ALL_RECORD_TYPES.includes(record.type) ? record.type : 'unknown';
        invalid.set(type, (invalid.get(type) ?? 0) + 1);
        continue;
      }
      const info = this.s.insert.run(record.deviceId, seq, record.type, record.ts, payload);
      ids.push(Number(info.lastInsertRowid));
      nextSeq.set(record.deviceId, seq + 1);
      accepted.push(edge);
    }
    for (const [deviceId, next] of nextSeq) this.seqs.setNext(deviceId, next);
    this.counter.add(ids.length);
    this.cursors.appended(ids.length);
    const dropped: AppendResult['dropped'] = [];
    const countDrops = (reason: DropReason, byType: Map<string, number>) => {
      for (const [type, count] of byType) {
        this.s.addDrop.run(reason, type, count);
        dropped.push({ reason, type, count });
      }
    };
    countDrops('invalid', invalid);
    if (ids.length === 0) return { accepted, dropped };

    const capped = this.cap.enforce(ids[0] as number, (last, types) => this.cursors.beforeCapDelete(last, types));
    if (capped.deleted === 0) return { accepted, dropped };
    this.counter.add(-capped.deleted);
    countDrops('buffer_full', capped.byType);
    this.cursors.advanceAll();
    return { accepted: accepted.filter((_, i) => !capped.watchedIds.has(ids[i] as number)), dropped };
  }

  /** Records the sink has not acknowledged (nor dead-lettered), oldest first, or newest first for live-first draining. */
  pending(sink: string, limit: number, order: 'oldest' | 'newest' = 'oldest'): BufferedRecord[] {
    return this.cursors.pending(sink, limit, order).map((row) => ({ id: row.id, record: JSON.parse(row.payload) as EdgeRecord }));
  }

  /** How many rows the sink has not handled (a maintained counter: O(1)). */
  pendingCount(sink: string): number {
    return this.cursors.pendingCount(sink);
  }

  /** Acknowledge delivered rows for one sink (any order; ids above the cursor are remembered until the cursor passes them). */
  ack(sink: string, ids: readonly number[]): void {
    this.writable('ack');
    if (ids.length === 0) return;
    // Without its own fsync: a power cut can replay these to the sink, never lose them (ack-sync.ts).
    this.acks.run(() => this.db.transaction(() => this.cursors.ack(sink, ids)).immediate());
  }

  /** Permanently rejected rows: stored in a dead-letter table with the reason, and acknowledged for that sink. */
  deadLetter(sink: string, items: ReadonlyArray<{ id: number; reason: string }>): void {
    this.writable('deadLetter');
    if (items.length === 0) return;
    this.db.transaction(() => this.cursors.deadLetter(sink, items, this.clock.now())).immediate();
  }

  stats(): BufferStats {
    // One read transaction: every number comes from the same snapshot.
    return this.db.transaction((): BufferStats => {
      const dropped: Record<string, number> = {};
      for (const row of this.s.drops.all() as Array<{ reason: string; type: string; count: number }>) {
        dropped[`${row.reason}:${row.type}`] = row.count;
      }
      return {
        rows: this.counter.rows(),
        usedBytes: this.cap.usedBytes(),
        fileBytes: fileSize(this.options.path) + fileSize(`${this.options.path}-wal`),
        maxBytes: this.options.maxBytes,
        oldestTs: (this.s.oldestTs.get() as { ts: number } | undefined)?.ts ?? null,
        newestTs: (this.s.newestTs.get() as { ts: number } | undefined)?.ts ?? null,
        dropped,
        sinks: this.cursors.sinks.map((sink) => ({
          sink,
          cursor: this.cursors.cursor(sink),
          pending: this.cursors.pendingCount(sink),
          oldestUnsentTs: this.cursors.oldestUnsentTs(sink),
          deadLetters: this.cursors.deadLetterCount(sink),
        })),
      };
    })();
  }

  /** Newest first, for the local status page/API. */
  recent(deviceId: string, limit: number, types?: string[]): EdgeRecord[] {
    const rows = (types === undefined
      ? this.s.recent.all(deviceId, limit)
      : this.s.recentTyped.all(deviceId, JSON.stringify(types), limit)) as Array<{ payload: string }>;
    return rows.map((row) => JSON.parse(row.payload) as EdgeRecord);
  }

  /** Up to maxPoints records of one type since sinceTs, evenly spread, newest first (history.ts: bounded reads). */
  sample(deviceId: string, type: RecordType, sinceTs: number, maxPoints: number): EdgeRecord[] {
    return this.history.sample(deviceId, type, sinceTs, maxPoints);
  }

  /** The newest `limit` records of one type with ts >= sinceTs, newest first (history.ts: the window bounds the scan). */
  newestSince(deviceId: string, type: RecordType, sinceTs: number, limit: number): EdgeRecord[] {
    return this.history.newestSince(deviceId, type, sinceTs, limit);
  }

  /** Checkpoint the WAL (TRUNCATE) and give free pages back (incremental vacuum). */
  compact(): void {
    this.writable('compact');
    // Vacuum first: it writes to the WAL, which the checkpoint then folds in and truncates.
    // Not a prepared statement: incremental_vacuum frees one page per step, and only db.pragma()
    // steps it to completion (a Statement's run() steps once: measured, 1 of 627 pages freed).
    this.db.pragma('incremental_vacuum');
    this.s.checkpoint.all();
  }

  /**
   * Delete rows every sink has acknowledged that are older than retentionMs; returns rows deleted.
   * `maxRows` (an extension of the agreed contract) bounds one call: after a long outage the
   * delivered backlog ages out all at once (300k rows took 2.9 s here), so housekeeping can loop
   * `while (buffer.applyRetention(20_000) === 20_000) await setImmediate()` to keep the event loop
   * (and the systemd watchdog) running.
   */
  applyRetention(maxRows = Number.MAX_SAFE_INTEGER): number {
    this.writable('applyRetention');
    return this.db.transaction(() => {
      const bound = this.cursors.minCursor() ?? (this.s.maxId.get() as { id: number | null }).id ?? 0;
      const deleted = this.s.retention.run(bound, this.clock.now() - this.options.retentionMs, maxRows).changes;
      this.counter.add(-deleted);
      for (const { sink } of this.s.dlSinks.all() as Array<{ sink: string }>) {
        this.s.dlPrune.run({ sink, keep: DEAD_LETTER_KEEP });
      }
      return deleted;
    }).immediate();
  }

  close(): void {
    if (!this.db.open) return;
    if (this.options.readOnly !== true) this.seqs.closing();
    this.db.close();
  }

  private writable(operation: string): void {
    if (this.options.readOnly === true) throw new BufferReadOnlyError(this.options.path, operation);
  }
}

/** What the columns and the key need; anything failing this is dropped as 'invalid'. */
function wellFormed(record: PendingRecord): boolean {
  return typeof record.deviceId === 'string' && record.deviceId.length > 0
    && typeof record.gatewayId === 'string' && record.gatewayId.length > 0
    && typeof record.ts === 'number' && Number.isFinite(record.ts)
    && ALL_RECORD_TYPES.includes(record.type);
}

/** The JSON to store, or undefined when the payload cannot be serialised ('invalid'). */
function serialise(record: EdgeRecord): string | undefined {
  try {
    return JSON.stringify(record);
  } catch {
    return undefined; // a cycle or a BigInt somewhere in the payload
  }
}

function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}
