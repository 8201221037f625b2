/**
 * Replays a CAN log as if it were a live bus, in the log's own time.
 *
 * Time: `tRel` is the log time of a frame since the first frame, plus the length of every earlier
 * pass when looping, so it only ever grows. Records are cut on `intervalMs` boundaries of tRel
 * (not of the wall clock), so speed 0 ("as fast as possible") yields the same records as speed 1,
 * only sooner. With speed > 0, frame k waits until start + tRel / speed on the monotonic clock.
 */
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../../core/clock.js';
import type { LogFormat, LogFrame } from './logs/log-frame.js';
import { readLogFile, type LogErrorHandler } from './logs/read-log.js';

export interface ReplayOptions {
  file: string;
  /** Undefined: identified from the file's first line. */
  format: LogFormat | undefined;
  speed: number;
  loop: boolean;
  intervalMs: number;
  clock: Clock;
  /** Waits `ms` (abortable). Injected so tests can pace a replay on a ManualClock without waiting. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const realSleep = (ms: number, signal: AbortSignal): Promise<void> => sleep(ms, undefined, { signal });

export interface ReplayHandlers {
  /** A frame at log time tRel (ms). */
  frame(frame: LogFrame, tRelMs: number): void;
  /** An interval boundary: cut a record at log time tRel; `ts` is its wall time. */
  tick(tRelMs: number, ts: number): void;
  badLine: LogErrorHandler;
  /** A new pass of a looping replay starts. */
  rewind(): void;
}

/** Frames between two yields to the event loop when nothing else would yield (speed 0). */
const YIELD_EVERY = 512;

export class ReplaySource {
  private readonly abort = new AbortController();
  private done: Promise<void> = Promise.resolve();

  constructor(private readonly options: ReplayOptions) {}

  /** Starts the replay in the background; `finished` runs once it ends (not when looping). */
  start(handlers: ReplayHandlers, finished: (error?: unknown) => void): void {
    this.done = this.run(handlers).then(
      () => finished(),
      (error: unknown) => (this.abort.signal.aborted ? finished() : finished(error)),
    );
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }

  private async run(h: ReplayHandlers): Promise<void> {
    const { file, format, speed, loop, intervalMs, clock } = this.options;
    const wait = this.options.sleep ?? realSleep;
    const signal = this.abort.signal;
    const startMono = clock.monotonic();
    const startWall = clock.now();
    let passOffset = 0;
    let nextTick = intervalMs;
    let lastRel = 0;
    let tsBase: number | undefined;
    let sinceYield = 0;
    for (let pass = 0; !signal.aborted; pass++) {
      let first: number | undefined;
      let frames = 0;
      if (pass > 0) h.rewind();
      for await (const frame of readLogFile(file, format, h.badLine)) {
        if (signal.aborted) return;
        first ??= frame.tsMs;
        tsBase ??= frame.absolute ? frame.tsMs : startWall;
        const tRel = passOffset + Math.max(0, frame.tsMs - first);
        frames++;
        if (speed > 0) {
          const dueInMs = startMono + tRel / speed - clock.monotonic();
          if (dueInMs >= 1) await wait(dueInMs, signal);
          else if (++sinceYield >= YIELD_EVERY) ((sinceYield = 0), await yieldToLoop(undefined, { signal }));
        } else if (++sinceYield >= YIELD_EVERY) {
          sinceYield = 0;
          await yieldToLoop(undefined, { signal });
        }
        while (tRel >= nextTick) {
          h.tick(nextTick, tsBase + nextTick);
          nextTick += intervalMs;
        }
        h.frame(frame, tRel);
        lastRel = tRel;
      }
      if (!loop || frames === 0) break;
      passOffset = lastRel;
    }
    if (!signal.aborted && tsBase !== undefined) h.tick(nextTick, tsBase + nextTick);
  }
}
