import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AgentMetrics } from './metrics.js';

/** Times this thread went to sleep and was woken (each event-loop wake-up is one). */
const wakeups = (): number => Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync('/proc/thread-self/status', 'utf8'))?.[1]);

describe('agent metrics', () => {
  it.skipIf(process.platform !== 'linux')('do not wake the event loop 100 times a second to sample its delay', async () => {
    const metrics = new AgentMetrics();
    await new Promise((r) => setTimeout(r, 100)); // let the histogram's timer start
    const before = wakeups();
    await new Promise((r) => setTimeout(r, 1000));
    const during = wakeups() - before;
    // prom-client's default (a 10 ms sampling timer) gives about 100 here.
    expect(during).toBeLessThan(30);
    expect(await metrics.registry.getSingleMetricAsString('nodejs_eventloop_lag_p99_seconds')).toMatch(/nodejs_eventloop_lag_p99_seconds \d/);
  });
});
