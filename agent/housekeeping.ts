/**
 * Scheduled maintenance (node-cron): buffer compaction (WAL checkpoint + incremental vacuum) and
 * retention of delivered records. Each job catches its own errors: housekeeping failing must
 * never stop the pipeline, it only makes the file larger than it needs to be.
 */
import { schedule, validate, type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { AgentMetrics } from './metrics.js';

export interface HousekeepingJob {
  name: string;
  cron: string;
  run: () => void | Promise<void>;
}

export function isValidCron(expression: string): boolean {
  return validate(expression);
}

export class Housekeeping {
  private tasks: ScheduledTask[] = [];

  constructor(
    private readonly log: Logger,
    private readonly metrics: AgentMetrics,
  ) {}

  start(jobs: HousekeepingJob[]): void {
    for (const job of jobs) {
      const task = schedule(job.cron, async () => this.runJob(job), { name: `ev-edge:${job.name}`, noOverlap: true });
      this.tasks.push(task);
    }
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

  async stop(): Promise<void> {
    for (const task of this.tasks) await task.destroy();
    this.tasks = [];
  }
}
