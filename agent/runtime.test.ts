import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { INTERRUPT_BUDGET, knownRuntimeProblem, tierUpFlags } from './runtime.js';

describe('knownRuntimeProblem', () => {
  it('names the Node 24 releases that abort inside better-sqlite3 12, with the way out', () => {
    const problem = knownRuntimeProblem('v24.21.0');
    expect(problem).toMatch(/Node\.js 24\.21\.0 aborts/);
    expect(problem).toMatch(/Node\.js 22 or 26/);
    expect(problem).toMatch(/EV_EDGE_ALLOW_RUNTIME=1/);
    expect(knownRuntimeProblem('24.19.0')).not.toBeNull();
  });

  it('lets the runtimes the suite passes on through, and Node 24 before the backport', () => {
    for (const v of ['20.20.2', 'v22.23.3', '24.18.1', '26.10.0', 'not-a-version']) expect(knownRuntimeProblem(v), v).toBeNull();
  });
});

describe('tierUpFlags', () => {
  it('lowers the interrupt budget on V8 11 (Node 20) only, and never over the operator\'s own value', () => {
    expect(tierUpFlags('11.3.244.8-node.33', '')).toEqual([`--interrupt-budget=${INTERRUPT_BUDGET}`]);
    expect(tierUpFlags('11.3.244.8-node.33', '--max-semi-space-size=1 --interrupt-budget=67584')).toEqual([]);
    expect(tierUpFlags('11.3.244.8-node.33', '--interrupt_budget=1000')).toEqual([]);
    // Node 22 and 26 refuse the flag (their V8 tiers up by invocation counts).
    expect(tierUpFlags('12.4.254.21-node.33', '')).toEqual([]);
    expect(tierUpFlags('14.1.146.11-node.16', '')).toEqual([]);
  });

  /**
   * Calls of a small function until V8 has decided to optimise it (marked, compiling in the
   * background, or done: %GetOptimizationStatus bits 8-10 and 4), in a fresh process. The decision,
   * not the finished code: on a loaded machine the background compile can lag by thousands of calls.
   */
  const callsUntilOptimised = (flags: string[]): number => Number(execFileSync(process.execPath, ['--allow-natives-syntax', '-e', `
    for (const f of ${JSON.stringify(flags)}) require('node:v8').setFlagsFromString(f);
    function reading(a) { return ((a * 3 + 1) % 7) + ((a * 5 + 2) % 11) * 0.5 + ((a * 7 + 3) % 13) * 0.25; }
    let calls = 0;
    (async () => {
      // 10 calls per turn of the event loop, like a 10-device poll round.
      while (calls < 200000 && !(%GetOptimizationStatus(reading) & (16 | 256 | 512 | 1024))) {
        for (let i = 0; i < 10; i++) reading(calls++);
        await new Promise((r) => setImmediate(r));
      }
      process.stdout.write(String(calls));
    })();`], { encoding: 'utf8' }));

  it.skipIf(tierUpFlags().length === 0)('set at run time, makes V8 optimise a function after far fewer calls', () => {
    const tuned = callsUntilOptimised(tierUpFlags());
    const untuned = callsUntilOptimised([]);
    expect(untuned).toBeLessThan(200000);
    expect(tuned * 4).toBeLessThan(untuned);
  });
});
