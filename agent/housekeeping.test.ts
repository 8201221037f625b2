import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Housekeeping } from './housekeeping.js';
import { AgentMetrics } from './metrics.js';

const log = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('housekeeping scheduler', () => {
  it('runs a job on its schedule, never overlapping itself, and waits for a running job on stop', async () => {
    const hk = new Housekeeping(log, new AgentMetrics());
    const starts: number[] = [];
    let running = 0;
    let overlapped = false;
    let finished = 0;
    hk.start([{
      name: 'slow', cron: '* * * * * *', run: async () => {
        starts.push(Date.now());
        overlapped ||= running > 0;
        running++;
        await sleep(1500); // longer than the 1 s period: the next slot must be skipped
        running--;
        finished++;
      },
    }]);
    await sleep(3600);
    await hk.stop();
    expect(overlapped).toBe(false);
    expect(starts.length).toBeGreaterThanOrEqual(1);
    expect(starts.length).toBeLessThanOrEqual(2);
    expect(finished).toBe(starts.length); // stop() waited for the run in progress
    for (const t of starts) expect(t % 1000).toBeLessThan(200); // on the second, as scheduled
  });
});
