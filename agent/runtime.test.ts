import { describe, expect, it } from 'vitest';
import { knownRuntimeProblem } from './runtime.js';

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
