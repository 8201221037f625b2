/** The buffer's public types: the contract the drain loop and the agent pipeline code against. */
import type { Clock } from '../../core/clock.js';
import type { EdgeRecord } from '../../core/record.js';

/**
 * Why a record was dropped. Extend only with documented reasons (see buffer.ts).
 * - buffer_full: the size cap deleted raw telemetry, oldest first.
 * - invalid: a record append could not store (empty deviceId/gatewayId, non-finite ts, unknown
 *   type, payload not serialisable). Dropped and counted instead of failing the whole batch, so a
 *   driver bug cannot wedge the pipeline retrying the same poisoned batch forever.
 */
export type DropReason = 'buffer_full' | 'invalid';

export interface BufferOptions {
  /** SQLite file; its parent folder is created if missing. */
  path: string;
  /** Cap on the database's used bytes ((page_count - freelist_count) * page_size). */
  maxBytes: number;
  /** full: an accepted record survives power loss; normal: it survives a process crash only. */
  synchronous: 'full' | 'normal';
  /** Records every sink has acknowledged are kept this long (local history), then deleted. */
  retentionMs: number;
  /**
   * Configured sink names. A new sink's cursor starts at the oldest retained record; cursors of
   * sinks no longer configured are removed (on open).
   */
  sinks: string[];
  clock: Clock;
  /**
   * Extension (compatible with the agreed contract): open an existing file without writing to it,
   * for `ev-edge buffer status` next to a running agent. Nothing is created, migrated or removed;
   * every mutating method throws. A missing file is an error rather than created.
   */
  readOnly?: boolean;
  /** Extension: the kernel boot id (seqs.ts); tests inject one to simulate a reboot. Default: Linux's. */
  bootId?: string;
}

/** A stored record and its row id (monotonic, never reused: AUTOINCREMENT). */
export interface BufferedRecord {
  id: number;
  record: EdgeRecord;
}

export interface AppendResult {
  /** The records of the batch now durable, with seq and key, in input order. */
  accepted: EdgeRecord[];
  /**
   * Every record this append dropped to stay under the cap, by reason and type: older buffered
   * telemetry and, when nothing older was droppable, telemetry of this very batch.
   */
  dropped: Array<{ reason: DropReason; type: string; count: number }>;
}

export interface SinkStats {
  sink: string;
  /** Every id <= cursor is acknowledged (or dead-lettered) by this sink. */
  cursor: number;
  /** Stored rows this sink has neither acknowledged nor dead-lettered. */
  pending: number;
  /** ts of the oldest (by id) pending row, or null when nothing is pending. */
  oldestUnsentTs: number | null;
  deadLetters: number;
}

export interface BufferStats {
  rows: number;
  usedBytes: number;
  /** Bytes on disk: the database file plus its -wal file. */
  fileBytes: number;
  maxBytes: number;
  /** ts of the oldest / newest stored row by id (arrival order), null when empty. */
  oldestTs: number | null;
  newestTs: number | null;
  /** Lifetime drop counts keyed "reason:type", e.g. { "buffer_full:battery": 12 }. */
  dropped: Record<string, number>;
  sinks: SinkStats[];
}
