/**
 * Exponential backoff with FULL jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
 * the n-th consecutive failure waits a uniformly random time in [0, min(max, initial * 2^n)].
 * Full jitter spreads a fleet of gateways that lost the same upstream at the same moment, so they
 * do not reconnect in lockstep when it comes back.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/** A source of uniform randoms in [0, 1); injected so tests are deterministic. */
export type RandomSource = () => number;

export class Backoff {
  private failures = 0;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: RandomSource = Math.random,
  ) {
    if (!(policy.initialMs > 0) || !(policy.maxMs >= policy.initialMs)) {
      throw new RangeError(`backoff needs 0 < initialMs <= maxMs (got ${policy.initialMs}, ${policy.maxMs})`);
    }
  }

  /** The ceiling of the next delay: min(max, initial * 2^failures). */
  ceilingMs(): number {
    // 2^n overflows to Infinity long after it passes any sane max; min() keeps it finite.
    return Math.min(this.policy.maxMs, this.policy.initialMs * 2 ** this.failures);
  }

  /** Records a failure and returns how long to wait before the next attempt. */
  next(): number {
    const delay = Math.floor(this.random() * this.ceilingMs());
    this.failures = Math.min(this.failures + 1, 64);
    return delay;
  }

  /** Progress was made: the next failure starts from `initialMs` again. */
  reset(): void {
    this.failures = 0;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }
}

/**
 * Average-rate limiter: a batch of n records pushes the next allowed send n / rate seconds ahead,
 * so the long-run rate never exceeds `perSecond` while one batch may go out at once.
 */
export class RateLimiter {
  private nextAt = 0;

  constructor(
    private readonly perSecond: number,
    private readonly monotonic: () => number,
  ) {}

  get unlimited(): boolean {
    return !(this.perSecond > 0);
  }

  /** Milliseconds to wait before sending now. */
  waitMs(): number {
    return this.unlimited ? 0 : Math.max(0, this.nextAt - this.monotonic());
  }

  /** Account for `count` records just sent. */
  spend(count: number): void {
    if (this.unlimited) return;
    this.nextAt = Math.max(this.nextAt, this.monotonic()) + (count * 1000) / this.perSecond;
  }
}
