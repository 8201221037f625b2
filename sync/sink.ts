/**
 * The one extension point for upstreams (Telegraf's output shape): connect, write a batch, close.
 *
 * Delivery contract:
 * - `write` resolves with one result per record, in the same order. 'delivered' only once the
 *   upstream has confirmed it (Kafka acks=all, MQTT PUBACK at QoS 1, PostgreSQL COMMIT);
 *   'retry' keeps the record buffered for a later attempt; 'rejected' means the upstream will never
 *   take it (it goes to the dead-letter table with `reason`).
 * - A thrown error (or rejected promise) means nothing in the batch is known to be delivered: the
 *   whole batch stays buffered and the drain loop backs off. Re-sends are safe because every record
 *   carries its idempotency key (`record.key`) and every sink deduplicates or forwards it.
 */
import type { EdgeRecord } from '../core/record.js';

export type WriteResult =
  | { status: 'delivered' }
  | { status: 'retry'; reason: string }
  | { status: 'rejected'; reason: string };

export interface Sink {
  /** Stable name: the buffer cursor and metric label (e.g. 'timescale', 'mqtt', 'kafka'). */
  readonly name: string;
  /** Connect (and create schema, birth messages ...). Throws when the upstream is unreachable. */
  connect(): Promise<void>;
  write(batch: readonly EdgeRecord[]): Promise<WriteResult[]>;
  /**
   * Cheap reachability check while disconnected (see sync/probe.ts): resolves when the upstream's
   * address takes connections and answers, rejects otherwise. Opens no session, authenticates
   * nothing and leaves the sink's own state alone; the drain loop uses it to notice an upstream's
   * return within seconds while full reconnects keep their long backoff.
   */
  probe(): Promise<void>;
  /** Release every connection, timer and listener. Safe to call twice, or before connect. */
  close(): Promise<void>;
}
