/**
 * sources -> scoring -> buffer -> sinks.
 *
 * Drivers call `accept()` for each reading; records wait in a bounded in-memory queue and are
 * committed to the buffer in batches (one transaction per flush, `flushIntervalMs` after the first
 * record entered an empty queue, or at once when `batchMax` records are waiting). A record counts
 * as ACCEPTED only once that transaction commits; until then it lives in memory and is lost by a
 * crash, which is why the wait is short. The timer runs only while records wait: an idle agent is
 * not woken by the pipeline, and readings that arrive together (drivers poll on a shared grid,
 * core/clock.ts) share one transaction, one fsync and one scoring call (issue 15).
 *
 * When the buffer cannot commit (full disk, I/O error) the queue keeps the records and retries; if
 * the queue reaches `maxQueued` the oldest raw telemetry is dropped and counted ('memory_queue_full'),
 * never predictions or alarms. Scoring runs on each batch before the commit so a prediction is
 * stored in the same transaction as the telemetry it came from.
 */
import type { Logger } from 'pino';
import { isDroppable, type EdgeRecord, type PendingRecord } from '../core/record.js';
import type { AgentMetrics } from './metrics.js';

export interface AppendOutcome {
  accepted: EdgeRecord[];
  dropped: Array<{ reason: string; type: string; count: number }>;
}
/** The part of the buffer the pipeline needs (sync/buffer's RecordBuffer satisfies it). */
export interface RecordStore {
  append(records: PendingRecord[]): AppendOutcome;
}
/** Scoring hook: returns extra records (predictions, alarms) derived from a batch. */
export type ScoringHook = (batch: readonly PendingRecord[]) => PendingRecord[] | Promise<PendingRecord[]>;

export interface PipelineOptions {
  store: RecordStore;
  metrics: AgentMetrics;
  log: Logger;
  flushIntervalMs: number;
  batchMax: number;
  maxQueued?: number;
  scoring?: ScoringHook;
  /** Called with every committed batch (sink wake-up, status page, metrics). */
  onCommitted?: (records: readonly EdgeRecord[]) => void;
}

export class Pipeline {
  private queue: PendingRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private flushing: Promise<void> | undefined;
  private readonly maxQueued: number;
  private lastFailureLogged = 0;
  /** After a failed append (full disk), no retry before this time: no retry storm per record. */
  private retryAfter = 0;
  private retryDelayMs = 0;

  constructor(private readonly options: PipelineOptions) {
    this.maxQueued = options.maxQueued ?? 100_000;
  }

  start(): void {
    this.started = true;
    if (this.queue.length > 0) this.arm(this.options.flushIntervalMs);
  }

  accept(record: PendingRecord): void {
    this.options.metrics.ingested.add(record.deviceId, record.type);
    this.queue.push(record);
    if (this.queue.length > this.maxQueued) this.shedOldestTelemetry();
    if (this.queue.length >= this.options.batchMax && !this.flushing && Date.now() >= this.retryAfter) void this.flush();
    else this.arm(this.options.flushIntervalMs);
    this.options.metrics.pendingInMemory.set(this.queue.length);
  }

  /** One flush timer while records wait; an armed timer keeps its (earlier) deadline. */
  private arm(delayMs: number): void {
    if (!this.started || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Commit everything queued so far. Concurrent calls share one flush at a time. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.queue.length === 0) return;
    this.flushing = this.flushOnce().finally(() => {
      this.flushing = undefined;
      // What arrived meanwhile, or was kept after a failed append, gets its own timer.
      if (this.queue.length > 0) this.arm(Math.max(this.options.flushIntervalMs, this.retryAfter - Date.now()));
    });
    await this.flushing;
  }

  private async flushOnce(): Promise<void> {
    const batch = this.queue.splice(0, this.options.batchMax);
    let derived: PendingRecord[] = [];
    if (this.options.scoring) {
      try {
        derived = await this.options.scoring(batch);
      } catch (err) {
        // Scoring is optional: a broken model must never stop telemetry from being stored.
        this.options.metrics.componentFailures.inc({ component: 'scoring' });
        this.options.log.error({ err }, 'scoring failed; storing the batch without predictions');
      }
    }
    for (const record of derived) this.options.metrics.ingested.add(record.deviceId, record.type);
    const toStore = [...batch, ...derived];
    let outcome: AppendOutcome;
    try {
      outcome = this.options.store.append(toStore);
    } catch (err) {
      // Keep the records (in order) and retry later: a full disk must not lose them. Retries back
      // off (up to 5 s) so a failing disk is not hammered once per incoming record.
      this.queue.unshift(...toStore);
      this.options.metrics.componentFailures.inc({ component: 'buffer' });
      const now = Date.now();
      this.retryDelayMs = Math.min(5000, Math.max(this.options.flushIntervalMs, this.retryDelayMs * 2));
      this.retryAfter = now + this.retryDelayMs;
      if (now - this.lastFailureLogged > 10_000) {
        this.lastFailureLogged = now;
        this.options.log.error({ err, queued: this.queue.length }, 'buffer append failed; records kept in memory');
      }
      if (this.queue.length > this.maxQueued) this.shedOldestTelemetry();
      return;
    }
    this.retryDelayMs = 0;
    this.retryAfter = 0;
    for (const drop of outcome.dropped) this.options.metrics.dropped.inc({ reason: drop.reason, type: drop.type }, drop.count);
    for (const record of outcome.accepted) {
      this.options.metrics.buffered.add(record.deviceId, record.type);
      this.options.metrics.observe(record);
    }
    this.options.metrics.pendingInMemory.set(this.queue.length);
    if (outcome.accepted.length > 0) this.options.onCommitted?.(outcome.accepted);
  }

  private shedOldestTelemetry(): void {
    const excess = this.queue.length - this.maxQueued;
    let removed = 0;
    this.queue = this.queue.filter((record) => {
      if (removed < excess && isDroppable(record.type)) {
        removed++;
        this.options.metrics.dropped.inc({ reason: 'memory_queue_full', type: record.type });
        return false;
      }
      return true;
    });
  }

  /** Stop the timer and commit whatever is queued (graceful shutdown). */
  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    // Flush batch after batch while each one makes progress (a failing disk makes none).
    let before = Number.POSITIVE_INFINITY;
    while (this.queue.length > 0 && this.queue.length < before) {
      before = this.queue.length;
      await this.flush();
    }
    if (this.queue.length > 0) {
      this.options.log.error({ lost: this.queue.length }, 'records could not be committed before shutdown');
    }
  }
}
