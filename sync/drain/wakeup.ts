/**
 * Interruptible waits for the drain loop. `wait` (idle) ends on notify(), interrupt() or timeout;
 * `sleep` (backoff, rate limit) ends only on interrupt() or timeout, so a stream of appends cannot
 * defeat the backoff. A notify() that arrives while the loop is busy is remembered, so the next idle
 * wait returns at once instead of missing the append.
 */
export class Wakeup {
  private notified = false;
  private interrupted = false;
  private waiters = new Set<{ resolve: () => void; onNotify: boolean; timer: NodeJS.Timeout }>();

  notify(): void {
    this.notified = true;
    for (const w of this.waiters) if (w.onNotify) this.finish(w);
  }

  /** Ends every wait now and every later one immediately (used by stop). */
  interrupt(): void {
    this.interrupted = true;
    for (const w of this.waiters) this.finish(w);
  }

  /** Idle wait: returns on notify (also one that came earlier), interrupt or after `ms`. */
  wait(ms: number): Promise<void> {
    if (this.notified || this.interrupted) {
      this.notified = false;
      return Promise.resolve();
    }
    return this.park(ms, true).then(() => {
      this.notified = false;
    });
  }

  /** Backoff wait: returns on interrupt or after `ms`. */
  sleep(ms: number): Promise<void> {
    if (this.interrupted || ms <= 0) return Promise.resolve();
    return this.park(ms, false);
  }

  private park(ms: number, onNotify: boolean): Promise<void> {
    return new Promise((resolve) => {
      const waiter = { resolve, onNotify, timer: setTimeout(() => this.finish(waiter), ms) };
      this.waiters.add(waiter);
    });
  }

  private finish(w: { resolve: () => void; timer: NodeJS.Timeout }): void {
    clearTimeout(w.timer);
    this.waiters.delete(w as never);
    w.resolve();
  }
}
