/**
 * Scheduled maintenance: buffer compaction (WAL checkpoint + incremental vacuum) and retention of
 * delivered records, on cron schedules evaluated by core/cron.ts (local time, no Intl: issue 15).
 * Each job catches its own errors: housekeeping failing must never stop the pipeline, it only
 * makes the file larger than it needs to be.
 *
 * Invariants:
 * - A job never overlaps itself: a slot that comes while the previous run is still going is skipped.
 * - One timer per job, armed for its next slot but never longer than MAX_WAIT_MS, so a wall clock
 *   set forward (NTP on a gateway without an RTC) runs the job once, and a clock set backward is
 *   noticed within a minute and the next slot recomputed. Missed slots are not replayed.
 */
import type { Logger } from 'pino';
import { nextCronRun, parseCron, type CronSchedule } from '../core/cron.js';
import type { AgentMetrics } from './metrics.js';

export interface HousekeepingJob {
  name: string;
  cron: string;
  run: () => void | Promise<void>;
}

/** The longest a job's timer sleeps before looking at the wall clock again. */
const MAX_WAIT_MS = 60_000;

interface Scheduled {
  job: HousekeepingJob;
  schedule: CronSchedule;
  due: number | null;
  /** When `due` was computed: a wall clock earlier than this has been set backward. */
  plannedAt: number;
  /** The run in progress, if any. */
  running: Promise<void> | undefined;
  timer: NodeJS.Timeout | undefined;
}

export class Housekeeping {
  private scheduled: Scheduled[] = [];

  constructor(
    private readonly log: Logger,
    private readonly metrics: AgentMetrics,
    /** Wall time in ms (tests move it). */
    private readonly now: () => number = Date.now,
  ) {}

  start(jobs: HousekeepingJob[]): void {
    for (const job of jobs) {
      const now = this.now();
      const schedule = parseCron(job.cron);
      const entry: Scheduled = { job, schedule, due: nextCronRun(schedule, now), plannedAt: now, running: undefined, timer: undefined };
      this.scheduled.push(entry);
      this.arm(entry);
    }
  }

  private arm(entry: Scheduled): void {
    if (!this.scheduled.includes(entry) || entry.due === null) return;
    const wait = Math.min(MAX_WAIT_MS, Math.max(0, entry.due - this.now()));
    entry.timer = setTimeout(() => this.tick(entry), wait);
  }

  private tick(entry: Scheduled): void {
    const now = this.now();
    if (now < entry.plannedAt) {
      entry.due = nextCronRun(entry.schedule, now);
      entry.plannedAt = now;
    } else if (entry.due !== null && now >= entry.due) {
      if (entry.running) this.log.warn({ job: entry.job.name }, 'housekeeping job still running; this slot is skipped');
      else {
        entry.running = this.runJob(entry.job).finally(() => {
          entry.running = undefined;
        });
      }
      entry.due = nextCronRun(entry.schedule, now);
      entry.plannedAt = now;
    }
    this.arm(entry);
  }

  async runJob(job: HousekeepingJob): Promise<void> {
    const started = performance.now();
    try {
      await job.run();
      this.log.debug({ job: job.name, ms: Math.round(performance.now() - started) }, 'housekeeping job done');
    } catch (err) {
      this.metrics.componentFailures.inc({ component: `housekeeping:${job.name}` });
      this.log.error({ err, job: job.name }, 'housekeeping job failed');
    }
  }

  /** Stops the timers and waits for a job already running (the buffer closes after this). */
  async stop(): Promise<void> {
    const entries = this.scheduled;
    this.scheduled = [];
    for (const entry of entries) clearTimeout(entry.timer);
    await Promise.all(entries.map((entry) => entry.running));
  }
}
