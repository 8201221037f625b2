/**
 * The shared runtime suite for each engine, and what only the built-in engine and `auto` promise:
 * graphs the built-in engine cannot evaluate exactly are refused naming the node and the reason,
 * and `auto` then runs them on onnxruntime and says why.
 */
import { describe, expect, it } from 'vitest';
import { fixture, runtimeSuite, shipped } from './runtime.suite.js';
import { openSession, runtimeNamed, UnsupportedModelError } from './runtime.js';

describe('builtin', () => runtimeSuite(() => runtimeNamed('builtin')));
describe('onnxruntime', () => runtimeSuite(() => runtimeNamed('onnxruntime')));

describe('builtin refuses what it cannot evaluate exactly', () => {
  it('an operator it does not have, naming the node', async () => {
    const builtin = await runtimeNamed('builtin');
    await expect(builtin.open(fixture('unsupported.onnx'))).rejects.toThrow(new UnsupportedModelError('node "abs0" (Abs): operator Abs is not supported'));
  });
  it('an attribute value it does not implement', async () => {
    const builtin = await runtimeNamed('builtin');
    await expect(builtin.open(fixture('average.onnx'))).rejects.toThrow(/TreeEnsembleRegressor "average0": aggregate_function AVERAGE is not supported/);
  });
  it('a damaged file, with the byte offset', async () => {
    const builtin = await runtimeNamed('builtin');
    await expect(builtin.open(shipped('failure_pack').subarray(0, 1000))).rejects.toThrow(/at byte \d+/);
  });
});

describe('auto', () => {
  it('takes the built-in engine for every shipped model', async () => {
    for (const name of ['anomaly_pack', 'cycle_life', 'failure_charger', 'failure_pack', 'rul_capacity']) {
      const opened = await openSession(shipped(name), 'auto');
      expect([name, opened.session.runtime, opened.fallbackReason]).toEqual([name, 'builtin', undefined]);
    }
  });
  it('falls back to onnxruntime for a graph the built-in engine refuses, and says why', async () => {
    const opened = await openSession(fixture('unsupported.onnx'), 'auto');
    expect(opened.session.runtime).toBe('onnxruntime');
    expect(opened.fallbackReason).toMatch(/operator Abs is not supported/);
    const { data } = await opened.session.run(Float32Array.from([-1.5, 2]), 1, 2);
    expect(Array.from(data)).toEqual([1.5, 2]);
  });
  it('falls back for a valid model the built-in decoder cannot read (a double tensor)', async () => {
    const refused = (await runtimeNamed('builtin')).open(fixture('double.onnx'));
    await expect(refused).rejects.toBeInstanceOf(UnsupportedModelError);
    await expect(refused).rejects.toThrow(/tensor "half" at byte \d+: data type 11, only float \(1\) is supported/);
    const opened = await openSession(fixture('double.onnx'), 'auto');
    expect([opened.session.runtime, opened.fallbackReason]).toEqual(['onnxruntime', expect.stringContaining('data type 11')]);
    expect(Array.from((await opened.session.run(Float32Array.from([1, -2]), 1, 2)).data)).toEqual([1.5, -1.5]);
  });
  it('does not fall back for a damaged file: onnxruntime would not make it right', async () => {
    await expect(openSession(shipped('failure_pack').subarray(0, 1000), 'auto')).rejects.toThrow(/at byte/);
  });
});
