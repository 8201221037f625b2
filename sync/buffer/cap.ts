/**
 * The size cap (see buffer.ts): after each append, delete the oldest droppable rows (raw
 * telemetry) until the database's used bytes are back under maxBytes. Runs inside the append
 * transaction, so a crash never leaves a half-enforced cap.
 */
import type Database from 'better-sqlite3';
import { isDroppable, type RecordType } from '../../core/record.js';
import { T } from './schema.js';

/** Every record type, checked complete by the compiler; the droppable ones come from isDroppable. */
const RECORD_TYPES: Record<RecordType, true> = { battery: true, charger: true, prediction: true, alarm: true };
export const ALL_RECORD_TYPES: readonly string[] = Object.keys(RECORD_TYPES);
export const DROPPABLE_TYPES: readonly string[] = (Object.keys(RECORD_TYPES) as RecordType[]).filter(isDroppable);

/** Rows deleted per step: enough to free pages quickly, few enough to not overshoot by much. */
const MIN_CHUNK = 16;
const MAX_CHUNK = 4096;
/** A compact raw telemetry row with its index entries is rarely smaller than this. */
const ROW_BYTES_GUESS = 256;

export interface CapResult {
  /** Rows deleted. */
  deleted: number;
  /** Deleted rows per record type. */
  byType: Map<string, number>;
  /** Ids at or above `watchFrom` that were deleted (rows of the batch being appended). */
  watchedIds: Set<number>;
}

export class SizeCap {
  private readonly pageCount: Database.Statement;
  private readonly freelistCount: Database.Statement;
  private readonly pageSize: number;
  private readonly oldestDroppable: Database.Statement;
  private readonly deleteUpTo: Database.Statement;
  private readonly types = JSON.stringify(DROPPABLE_TYPES);

  constructor(
    db: Database.Database,
    readonly maxBytes: number,
  ) {
    // Pages in use, as this connection sees them (uncommitted changes of its transaction included).
    // Prepared PRAGMA statements, not the pragma_*() table functions: those prepare their PRAGMA
    // anew on every call, and this runs after every append (perf showed it on the 1 Hz path).
    // page_size cannot change once the file exists (it is set before the first table, schema.ts).
    this.pageCount = db.prepare('PRAGMA page_count').pluck();
    this.freelistCount = db.prepare('PRAGMA freelist_count').pluck();
    this.pageSize = db.pragma('page_size', { simple: true }) as number;
    const droppable = `type IN (SELECT value FROM json_each(@types))`;
    this.oldestDroppable = db.prepare(`SELECT id, type FROM ${T.records} WHERE ${droppable} ORDER BY id LIMIT @limit`);
    this.deleteUpTo = db.prepare(`DELETE FROM ${T.records} WHERE id <= @last AND ${droppable}`);
  }

  usedBytes(): number {
    return ((this.pageCount.get() as number) - (this.freelistCount.get() as number)) * this.pageSize;
  }

  /**
   * Deletes the oldest droppable rows in chunks until under the cap or none is left. Predictions
   * and alarms are never touched, so the cap can stay exceeded when they alone fill it.
   * `beforeDelete` sees each chunk (droppable rows with id <= lastId) just before it goes.
   */
  enforce(watchFrom: number, beforeDelete: (lastId: number, droppableTypesJson: string) => void): CapResult {
    const result: CapResult = { deleted: 0, byType: new Map(), watchedIds: new Set() };
    for (let over = this.usedBytes() - this.maxBytes; over > 0; over = this.usedBytes() - this.maxBytes) {
      const limit = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, Math.ceil(over / ROW_BYTES_GUESS)));
      const rows = this.oldestDroppable.all({ types: this.types, limit }) as Array<{ id: number; type: string }>;
      const last = rows[rows.length - 1];
      if (last === undefined) break;
      beforeDelete(last.id, this.types);
      result.deleted += this.deleteUpTo.run({ last: last.id, types: this.types }).changes;
      for (const row of rows) {
        result.byType.set(row.type, (result.byType.get(row.type) ?? 0) + 1);
        if (row.id >= watchFrom) result.watchedIds.add(row.id);
      }
    }
    return result;
  }
}
