/**
 * The agent's only source of time. Injected everywhere so that tests (and the reliability
 * campaign) can jump the wall clock forwards and backwards like a gateway without an RTC does
 * when it syncs late.
 *
 * Trust: a gateway without a real-time clock boots with a wrong date (1970, or the last date
 * fake-hwclock saved). Records made then carry `clockTrusted: false`. In `auto` mode the clock is
 * trusted once the wall time is past a plausibility floor and, where systemd-timesyncd is in use
 * (its /run/systemd/timesync folder exists), once it has reported synchronisation.
 */
import { existsSync } from 'node:fs';

export type ClockTrustMode = 'auto' | 'always' | 'never';

export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch. May jump. */
  now(): number;
  /** Monotonic milliseconds: never jumps, for intervals and timeouts. */
  monotonic(): number;
  /** Whether `now()` can be believed. */
  trusted(): boolean;
}

/** Nothing built after this date can be running before it: the release's plausibility floor. */
export const DEFAULT_MIN_VALID_TIME = Date.parse('2026-01-01T00:00:00Z');
const TIMESYNC_DIR = '/run/systemd/timesync';
const TIMESYNC_FLAG = '/run/systemd/timesync/synchronized';

export interface SystemClockOptions {
  trust?: ClockTrustMode;
  minValidTime?: number;
  /** Paths are injectable so tests can exercise the timesyncd branch. */
  timesyncDir?: string;
  timesyncFlag?: string;
}

export class SystemClock implements Clock {
  private readonly trust: ClockTrustMode;
  private readonly minValidTime: number;
  private readonly timesyncDir: string;
  private readonly timesyncFlag: string;
  private synced = false;

  constructor(options: SystemClockOptions = {}) {
    this.trust = options.trust ?? 'auto';
    this.minValidTime = options.minValidTime ?? DEFAULT_MIN_VALID_TIME;
    this.timesyncDir = options.timesyncDir ?? TIMESYNC_DIR;
    this.timesyncFlag = options.timesyncFlag ?? TIMESYNC_FLAG;
  }

  now(): number {
    return Date.now();
  }

  monotonic(): number {
    return performance.now();
  }

  trusted(): boolean {
    if (this.trust !== 'auto') return this.trust === 'always';
    if (this.now() < this.minValidTime) return false;
    // Once synchronised, stay trusted: the flag file is only checked until it first appears.
    if (!this.synced) this.synced = !existsSync(this.timesyncDir) || existsSync(this.timesyncFlag);
    return this.synced;
  }
}

/** A clock tests drive by hand: `advance` moves both clocks, `jumpWall` only the wall clock. */
export class ManualClock implements Clock {
  private wall: number;
  private mono = 0;
  trust = true;

  constructor(startWallMs = Date.parse('2026-06-01T00:00:00Z')) {
    this.wall = startWallMs;
  }

  now(): number {
    return this.wall;
  }
  monotonic(): number {
    return this.mono;
  }
  trusted(): boolean {
    return this.trust;
  }
  advance(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }
  jumpWall(ms: number): void {
    this.wall += ms;
  }
}

/**
 * Milliseconds from `monotonicMs` to the next multiple of `intervalMs` on the monotonic clock.
 * Periodic work of the same period (every device's poll, the runners' supervision) then falls on
 * the same instants: the event loop wakes once per period for all of it, and the readings of one
 * round share one buffer commit (issue 15). A timer may fire a little before its slot by the
 * monotonic clock (libuv's loop time is cached); within 2 ms (or a tenth of the interval) of a
 * slot counts as that slot, so it is not run twice.
 */
export function delayToNextSlot(monotonicMs: number, intervalMs: number): number {
  const delay = intervalMs - (monotonicMs % intervalMs);
  return delay < Math.min(2, intervalMs / 10) ? delay + intervalMs : delay;
}
