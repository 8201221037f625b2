/**
 * Fast recovery after an outage, without giving up storm protection. The loop's backoff (full
 * jitter, up to backoff_max_ms) decides when the next FULL connect is due; while the loop waits for
 * it, this watch probes the upstream (`Sink.probe`: one TCP connection, no session) and ends the
 * wait early when an upstream that was unreachable answers again.
 *
 * Invariants:
 * - A wait ends early only on a transition "probe failed" -> "probe answered". An upstream that
 *   takes connections but fails sessions (overloaded, a refused password, a poison batch that
 *   breaks the connection) never shows that transition, so it keeps the long backoff.
 * - After the transition the connect waits a uniform random time in [0, reconnectJitterMs], so a
 *   fleet that lost the same upstream spreads its reconnects over that window; the caller then
 *   restarts its backoff from backoff_initial_ms (a server that is still starting up gets a few
 *   quick attempts, and exponential backoff again if it keeps failing).
 * - Probing goes on only while the last probe failed: once the upstream answered and the connect
 *   still failed, no probe runs until the next wait. A struggling upstream therefore sees one extra
 *   TCP connection per full connect attempt, not one per probe interval.
 * - Probe periods are drawn in [interval / 2, interval]: a return is seen within one interval, and
 *   a fleet's probes do not line up.
 * - probeIntervalMs 0 turns probing off: the wait is the plain backoff.
 */
import type { RandomSource } from './backoff.js';

export interface RecoveryOptions {
  /** Probe period while the upstream is unreachable; 0 = no probing. */
  probeIntervalMs: number;
  /** Upper bound of the random wait between "it answers again" and the connect. */
  reconnectJitterMs: number;
}

export interface RecoveryDeps {
  probe: () => Promise<void>;
  random: RandomSource;
  monotonic: () => number;
  /** A wait that ends early on stop (the loop's Wakeup.sleep). */
  sleep: (ms: number) => Promise<void>;
  stopping: () => boolean;
  onReturn: (info: { reconnectInMs: number; lastProbeError: string }) => void;
}

export type WaitEnd = 'returned' | 'elapsed';

export class RecoveryWatch {
  private lastFailure: string | undefined;

  constructor(
    private readonly opts: RecoveryOptions,
    private readonly deps: RecoveryDeps,
  ) {}

  /** The sink connected: the next outage starts afresh. */
  connected(): void {
    this.lastFailure = undefined;
  }

  /**
   * Waits `delayMs` (the backoff) before the next connect, probing meanwhile. 'returned': the
   * upstream came back during the wait (the caller resets its backoff); 'elapsed': it did not.
   */
  async wait(delayMs: number): Promise<WaitEnd> {
    const { probeIntervalMs } = this.opts;
    const { monotonic, sleep, stopping } = this.deps;
    if (!(probeIntervalMs > 0)) {
      await sleep(delayMs);
      return 'elapsed';
    }
    const deadline = monotonic() + delayMs;
    let probing = true;
    while (!stopping()) {
      if (probing) {
        // Through a promise: a probe that throws synchronously (a bad address) is a failed probe too.
        const failure = await Promise.resolve()
          .then(() => this.deps.probe())
          .then(() => undefined, (err: unknown) => String((err as Error)?.message ?? err));
        if (stopping()) break;
        if (failure !== undefined) {
          this.lastFailure = failure;
        } else if (this.lastFailure !== undefined) {
          const reconnectInMs = Math.floor(this.deps.random() * this.opts.reconnectJitterMs);
          this.deps.onReturn({ reconnectInMs, lastProbeError: this.lastFailure });
          this.lastFailure = undefined;
          await sleep(reconnectInMs);
          return 'returned';
        } else {
          probing = false;
        }
      }
      const left = deadline - monotonic();
      if (left <= 0) break;
      await sleep(probing ? Math.min(left, this.period()) : left);
    }
    return 'elapsed';
  }

  private period(): number {
    return Math.max(1, Math.floor(this.opts.probeIntervalMs * (0.5 + this.deps.random() / 2)));
  }
}
