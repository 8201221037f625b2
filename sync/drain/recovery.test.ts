/**
 * RecoveryWatch's rules, on a virtual clock (every sleep is recorded and advances time): when a
 * reconnect wait ends early, how long the spread is, and when it must not end early. The real
 * outages (Mosquitto, PostgreSQL, Kafka) are in outage.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { RecoveryWatch, type RecoveryOptions } from './recovery.js';

/** A probe that fails or answers as scripted (true = answers); the last entry repeats. */
function rig(script: boolean[], opts: Partial<RecoveryOptions> = {}, random: () => number = () => 0.5) {
  let now = 0;
  const sleeps: number[] = [];
  const returns: number[] = [];
  let probes = 0;
  const watch = new RecoveryWatch({ probeIntervalMs: 1000, reconnectJitterMs: 2000, ...opts }, {
    probe: async () => {
      const up = script[Math.min(probes, script.length - 1)];
      probes++;
      if (!up) throw new Error('ECONNREFUSED');
    },
    random,
    monotonic: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    stopping: () => false,
    onReturn: (info) => returns.push(info.reconnectInMs),
  });
  return { watch, sleeps, returns, probes: () => probes, now: () => now };
}

describe('RecoveryWatch', () => {
  it('ends a long backoff within one probe interval of the upstream answering again, plus the spread', async () => {
    const r = rig([false, false, false, true], {}, () => 0.5);
    expect(await r.watch.wait(60_000)).toBe('returned');
    // Three failed probes, each followed by a period in [500, 1000] (here 750), then the spread (0.5 * 2000).
    expect(r.sleeps).toEqual([750, 750, 750, 1000]);
    expect(r.returns).toEqual([1000]);
    expect(r.now()).toBeLessThan(60_000);
  });

  it('a return in a later wait still counts: the outage spans waits until the sink connects', async () => {
    const r = rig([false, false, false, true]);
    expect(await r.watch.wait(1000)).toBe('elapsed'); // probes at 0, 750 and 1000 ms fail: the backoff is over
    expect(r.probes()).toBe(3);
    expect(await r.watch.wait(60_000)).toBe('returned');
    r.watch.connected();
    // Connected, then the connection broke while the upstream still answers: no early end.
    expect(await r.watch.wait(30_000)).toBe('elapsed');
  });

  it('keeps the full backoff, with a single probe, when the upstream answers from the start (poison batch, refused login)', async () => {
    const r = rig([true]);
    expect(await r.watch.wait(60_000)).toBe('elapsed');
    expect(r.sleeps).toEqual([60_000]);
    expect(r.probes()).toBe(1);
    expect(await r.watch.wait(60_000)).toBe('elapsed');
    expect(r.probes()).toBe(2);
  });

  it('with probe_interval_ms 0 it is the plain backoff and never probes', async () => {
    const r = rig([false, true], { probeIntervalMs: 0 });
    expect(await r.watch.wait(5000)).toBe('elapsed');
    expect(r.sleeps).toEqual([5000]);
    expect(r.probes()).toBe(0);
  });

  it('probes at most every interval, never closer than half of it, and not past the backoff', async () => {
    let i = 0;
    const draws = [0, 0.999, 0.3];
    const r = rig([false], {}, () => draws[i++ % draws.length] as number);
    expect(await r.watch.wait(4000)).toBe('elapsed');
    expect(r.sleeps.slice(0, 3)).toEqual([500, 999, 650]);
    expect(r.sleeps.reduce((a, b) => a + b, 0)).toBe(4000);
  });

  it('spreads a fleet that lost the same upstream uniformly over reconnect_jitter_ms', async () => {
    // 2,000 gateways, each with its own random stream: when the upstream returns, where in the
    // 2 s window does each one connect? A storm would pile them into the first bucket.
    let seed = 12345;
    const lcg = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const spreads: number[] = [];
    for (let g = 0; g < 2000; g++) {
      const r = rig([false, true], {}, lcg);
      await r.watch.wait(60_000);
      spreads.push(...r.returns);
    }
    const buckets = new Array(10).fill(0) as number[];
    for (const s of spreads) buckets[Math.floor(s / 200)]!++;
    expect(Math.max(...spreads)).toBeLessThan(2000);
    for (const b of buckets) expect(b / spreads.length).toBeGreaterThan(0.07);
    for (const b of buckets) expect(b / spreads.length).toBeLessThan(0.13);
  });
});
