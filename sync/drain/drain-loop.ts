/**
 * One drain loop per sink: reads what this sink has not handled from the buffer, writes it, and
 * records the outcome in the buffer under the sink's own cursor. Loops share nothing but the
 * buffer, so one sink being down never holds back another.
 *
 * Invariants:
 * - A record is acked only after the sink returned 'delivered' for it (upstream confirmation);
 *   'rejected' records are dead-lettered with their reason; 'retry' records and every record of a
 *   thrown write stay pending and are read again later (sinks deduplicate by `record.key`).
 * - After stop() resolves the loop never touches the buffer or the sink again, so the caller may
 *   close both. An in-flight write gets `stopGraceMs` to finish; after that it is abandoned and its
 *   records stay pending (never acked).
 * - Live data first: when more is pending than one batch, each cycle first sends the newest
 *   pending records that fall inside `liveWindowMs`, then one backfill batch oldest-first. So after
 *   an outage dashboards show the present within a cycle while history catches up.
 * - Linger (lingerMs > 0): fewer pending records than a batch are sent only once they have waited
 *   lingerMs (counted from the cycle that first saw them, on the monotonic clock), so messages on a
 *   metered link carry many records. While lingering only the pending count is read (O(1)).
 * - Reconnects (and batches that made no progress) wait with full-jitter exponential backoff. While
 *   a reconnect waits, the upstream is probed (recovery.ts): an upstream that was unreachable and
 *   answers again is reconnected within probeIntervalMs + reconnectJitterMs, not after the backoff.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { BufferedRecord, RecordBuffer } from '../buffer/buffer.js';
import type { Sink } from '../sink.js';
import { setSinkState, type DrainState, type SinkMetrics } from '../metrics.js';
import { Backoff, RateLimiter, type RandomSource } from './backoff.js';
import { RecoveryWatch } from './recovery.js';
import { Wakeup } from './wakeup.js';
import { writeAndRecord, type BatchOutcome } from './outcome.js';

export interface DrainLoopOptions {
  sink: Sink;
  buffer: RecordBuffer;
  clock: Clock;
  log: Logger;
  metrics: SinkMetrics;
  batchSize: number;
  /** 0 or absent: unlimited. */
  maxRecordsPerS?: number;
  backoff: { initialMs: number; maxMs: number };
  /** Probe period while the upstream is unreachable; 0 = backoff only. Default 1000 ms. */
  probeIntervalMs?: number;
  /** Random wait in [0, this] between the upstream answering again and the connect. Default 2000 ms. */
  reconnectJitterMs?: number;
  /** Wait up to this long for a full batch before sending a partial one; 0 (default) sends at once. */
  lingerMs?: number;
  /** 0 disables live-first ordering. Default 60 s. */
  liveWindowMs?: number;
  /** Fallback poll while idle, in case an append was not notified. Default 1000 ms. */
  idlePollMs?: number;
  /** How long stop() waits for an in-flight write before abandoning it. Default 5000 ms. */
  stopGraceMs?: number;
  random?: RandomSource;
}

export class DrainLoop {
  private current: DrainState = 'stopped';
  private running: Promise<void> | undefined;
  private stopping = false;
  /** Set when stop() gave up waiting: the loop must not touch the buffer any more. */
  private abandoned = false;
  private connected = false;
  /** Bumped by start(): a run abandoned by an earlier stop() sees it changed and never touches the buffer. */
  private generation = 0;
  private wakeup = new Wakeup();
  private readonly backoff: Backoff;
  private readonly limiter: RateLimiter;
  private readonly recovery: RecoveryWatch;
  private readonly name: string;
  /** Monotonic time a cycle first found a partial batch pending (lingering), or undefined. */
  private partialSince: number | undefined;

  constructor(private readonly opts: DrainLoopOptions) {
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new RangeError('batchSize must be a positive integer');
    this.name = opts.sink.name;
    this.backoff = new Backoff(opts.backoff, opts.random);
    this.limiter = new RateLimiter(opts.maxRecordsPerS ?? 0, () => opts.clock.monotonic());
    this.recovery = new RecoveryWatch({ probeIntervalMs: opts.probeIntervalMs ?? 1000, reconnectJitterMs: opts.reconnectJitterMs ?? 2000 }, {
      probe: () => opts.sink.probe(),
      random: opts.random ?? Math.random,
      monotonic: () => opts.clock.monotonic(),
      sleep: (ms) => this.wakeup.sleep(ms),
      stopping: () => this.stopping,
      onReturn: (info) => opts.log.info({ sink: this.name, ...info }, 'upstream answers again; reconnecting'),
    });
    setSinkState(opts.metrics, this.name, 'stopped');
  }

  get state(): DrainState {
    return this.current;
  }

  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.abandoned = false;
    // A stopped loop's Wakeup stays interrupted (every wait returns at once): start afresh.
    this.wakeup = new Wakeup();
    const gen = ++this.generation;
    this.running = this.run(gen).finally(() => {
      if (gen === this.generation) this.setState('stopped');
    });
    // The lag gauge is computed when scraped (also during outages), not refreshed by a timer.
    this.opts.metrics.lagSources.set(this.name, () => this.lagSeconds());
  }

  /** New records were appended: cut an idle wait short. */
  notify(): void {
    this.wakeup.notify();
  }

  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.stopping = true;
    this.wakeup.interrupt();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.opts.stopGraceMs ?? 5000);
    });
    const outcome = await Promise.race([running.then(() => 'done' as const), grace]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.abandoned = true;
      this.opts.log.warn({ sink: this.name }, 'stop: abandoning an in-flight write; its records stay buffered');
    }
    await this.opts.sink.close().catch((err: unknown) => this.opts.log.warn({ sink: this.name, err }, 'sink close failed'));
    this.connected = false;
    this.running = undefined;
    this.setState('stopped');
  }

  private setState(state: DrainState): void {
    if (this.current === state) return;
    this.current = state;
    setSinkState(this.opts.metrics, this.name, state);
  }

  private retired(gen: number): boolean {
    return this.abandoned || gen !== this.generation;
  }

  private async run(gen: number): Promise<void> {
    while (!this.stopping && gen === this.generation) {
      try {
        if (!this.connected && !(await this.connect())) continue;
        if (this.stopping) break;
        this.setState('connected');
        const outcome = await this.cycle(gen);
        if (this.retired(gen)) return;
        await this.afterCycle(outcome);
      } catch (err) {
        // Buffer errors (disk full, I/O) or bugs: never take the agent down, back off and retry.
        if (this.retired(gen)) return;
        this.opts.log.error({ sink: this.name, err }, 'drain cycle failed');
        await this.pause(this.backoff.next());
      }
    }
  }

  private async connect(): Promise<boolean> {
    this.setState('connecting');
    try {
      await this.opts.sink.connect();
      this.connected = true;
      this.recovery.connected();
      this.setState('connected');
      this.opts.log.info({ sink: this.name }, 'sink connected');
      return true;
    } catch (err) {
      const delay = this.backoff.next();
      this.opts.log.warn({ sink: this.name, err: String(err), retryInMs: delay }, 'sink connect failed');
      await this.sinkClose();
      await this.awaitReconnect(delay);
      return false;
    }
  }

  private async afterCycle(outcome: BatchOutcome | 'idle' | { lingerMs: number }): Promise<void> {
    if (outcome === 'idle') {
      await this.wakeup.wait(this.opts.idlePollMs ?? 1000);
    } else if ('lingerMs' in outcome) {
      await this.wakeup.wait(outcome.lingerMs);
    } else if (outcome.thrown) {
      const delay = this.backoff.next();
      this.opts.log.warn({ sink: this.name, err: String(outcome.thrown), retryInMs: delay }, 'write failed; reconnecting');
      this.connected = false;
      await this.sinkClose();
      await this.awaitReconnect(delay);
    } else if (outcome.delivered + outcome.rejected === 0) {
      // Everything came back 'retry': the upstream is struggling, so do not hammer it.
      await this.pause(this.backoff.next());
    } else {
      this.backoff.reset();
    }
  }

  /** One cycle: live records first (when there is a backlog), then a backfill batch. */
  private async cycle(gen: number): Promise<BatchOutcome | 'idle' | { lingerMs: number }> {
    const { buffer, batchSize } = this.opts;
    const size = this.limiter.unlimited ? batchSize : Math.max(1, Math.min(batchSize, Math.ceil(this.opts.maxRecordsPerS ?? batchSize)));
    const lingerMs = this.opts.lingerMs ?? 0;
    if (lingerMs > 0) {
      const count = buffer.pendingCount(this.name);
      if (count === 0) return 'idle';
      if (count < size) {
        const now = this.opts.clock.monotonic();
        this.partialSince ??= now;
        const left = this.partialSince + lingerMs - now;
        if (left > 0) return { lingerMs: left };
      }
      this.partialSince = undefined;
    }
    const oldest = buffer.pending(this.name, size, 'oldest');
    if (oldest.length === 0) return 'idle';
    let total: BatchOutcome = { delivered: 0, rejected: 0, retried: 0 };
    if (oldest.length === size) {
      const live = this.liveBatch(size, oldest);
      if (live.length > 0) {
        total = await this.send(live, gen);
        if (total.thrown || this.stopping || this.retired(gen)) return total;
      }
    }
    const backfill = await this.send(oldest, gen);
    return {
      delivered: total.delivered + backfill.delivered,
      rejected: total.rejected + backfill.rejected,
      retried: total.retried + backfill.retried,
      ...(backfill.thrown ? { thrown: backfill.thrown } : {}),
    };
  }

  /** Newest pending records inside the live window that the backfill batch does not already hold. */
  private liveBatch(size: number, oldest: BufferedRecord[]): BufferedRecord[] {
    const windowMs = this.opts.liveWindowMs ?? 60_000;
    if (windowMs <= 0) return [];
    const lastBackfillId = oldest[oldest.length - 1]?.id ?? 0;
    // An untrusted wall clock cannot place records in a window: then "newest" is by arrival only.
    const since = this.opts.clock.trusted() ? this.opts.clock.now() - windowMs : -Infinity;
    return this.opts.buffer
      .pending(this.name, size, 'newest')
      .filter((b) => b.id > lastBackfillId && b.record.ts >= since)
      .sort((a, b) => a.id - b.id);
  }

  private async send(batch: BufferedRecord[], gen: number): Promise<BatchOutcome> {
    const wait = this.limiter.waitMs();
    if (wait > 0) await this.wakeup.sleep(wait);
    if (this.stopping) return { delivered: 0, rejected: 0, retried: 0 };
    this.limiter.spend(batch.length);
    return writeAndRecord(batch, {
      sink: this.opts.sink,
      buffer: this.opts.buffer,
      metrics: this.opts.metrics,
      log: this.opts.log,
      monotonic: () => this.opts.clock.monotonic(),
      abandoned: () => this.retired(gen),
    });
  }

  /** Age of the oldest record this sink has not handled; undefined when the buffer cannot say (closing). */
  private lagSeconds(): number | undefined {
    if (this.abandoned || this.current === 'stopped') return undefined;
    try {
      const oldest = this.opts.buffer.pending(this.name, 1, 'oldest')[0];
      return oldest ? Math.max(0, (this.opts.clock.now() - oldest.record.ts) / 1000) : 0;
    } catch {
      return undefined; // the buffer may be closing; the next scrape will tell
    }
  }

  /** Backoff wait: interrupted by stop() only, not by notify(). */
  private async pause(ms: number): Promise<void> {
    if (this.stopping) return;
    this.setState('backoff');
    await this.wakeup.sleep(ms);
  }

  /** Backoff before a reconnect, ended early (and the backoff restarted) when the upstream returns. */
  private async awaitReconnect(delayMs: number): Promise<void> {
    if (this.stopping) return;
    this.setState('backoff');
    if ((await this.recovery.wait(delayMs)) === 'returned') this.backoff.reset();
  }

  private async sinkClose(): Promise<void> {
    await this.opts.sink.close().catch((err: unknown) => this.opts.log.warn({ sink: this.name, err: String(err) }, 'sink close failed'));
  }
}
