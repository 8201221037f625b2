import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { type Clock, ManualClock, SystemClock } from '../../core/clock.js';
import type { ChargerSignals } from '../../core/record.js';
import type { DriverContext, DriverReading, DriverState } from '../driver.js';
import type { SimulatedFault } from './config.js';
import { MAX_SIM_S_PER_TICK, SimulatorDriver } from './driver.js';
import { simulatorConfig } from './generate.js';

function context(clock: Clock, kind: 'battery' | 'charger' = 'battery') {
  const readings: DriverReading[] = [];
  const states: DriverState[] = [];
  const errors: string[] = [];
  const ctx: DriverContext = {
    deviceId: 'sim-1',
    deviceKind: kind,
    clock,
    log: { info() {}, warn() {}, error() {}, debug() {} } as unknown as Logger,
    emit: (r) => readings.push(r),
    reportError: (reason) => errors.push(reason),
    countInputs: () => undefined,
    setState: (s) => states.push(s),
  };
  return { ctx, readings, states, errors };
}

const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const uptime = (r: DriverReading): number => (r.body as { charger: ChargerSignals }).charger.uptimeS!;

describe('SimulatorDriver', () => {
  it('emits simulator readings on a real short interval and leaves no timer after stop()', async () => {
    const driver = new SimulatorDriver({ deviceId: 'sim-1', kind: 'battery', intervalMs: 20, config: simulatorConfig({ acceleration: 3600, cells_series: 8 }) });
    expect(driver.type).toBe('simulator');
    expect(await driver.probe()).toBe(true);
    const { ctx, readings, states } = context(new SystemClock({ trust: 'always' }));
    await driver.start(ctx);
    await sleep(300);
    const whileRunning = timeouts();
    await driver.stop();
    // Exactly the driver's interval is gone (other timers belong to the test runner).
    expect(timeouts()).toBe(whileRunning - 1);
    const count = readings.length;
    expect(count).toBeGreaterThanOrEqual(4);
    expect(states).toEqual(['running']);
    for (const r of readings) {
      expect(r.source).toBe('simulator');
      expect(r.body.type).toBe('battery');
      expect(r.faults).toEqual([]);
      expect(typeof r.ts).toBe('number');
    }
    await sleep(80);
    expect(readings.length).toBe(count);
  });

  it('ticks on the shared grid: two devices started apart emit at the same instants (one commit per round)', async () => {
    const clock = new SystemClock({ trust: 'always' });
    const phases: number[][] = [[], []];
    const drivers = [0, 1].map(() => new SimulatorDriver({ deviceId: 'sim', kind: 'charger', intervalMs: 100, config: simulatorConfig({}) }));
    for (const [i, driver] of drivers.entries()) {
      const { ctx } = context(clock, 'charger');
      await driver.start({ ...ctx, emit: () => phases[i]!.push(clock.monotonic() % 100) });
      await sleep(37); // the second starts 37 ms into the first one's period
    }
    await sleep(450);
    for (const driver of drivers) await driver.stop();
    for (const p of phases) {
      expect(p.length).toBeGreaterThanOrEqual(3);
      // Every tick lands just after a multiple of the interval (timers fire late, never early).
      for (const phase of p) expect(phase < 25 || phase > 98).toBe(true);
    }
  });

  it('advances simulated time by the monotonic wall delta times the acceleration', async () => {
    const clock = new ManualClock();
    const driver = new SimulatorDriver({ deviceId: 'cp', kind: 'charger', intervalMs: 3_600_000, config: simulatorConfig({ acceleration: 100 }) });
    const { ctx, readings } = context(clock, 'charger');
    await driver.start(ctx);
    clock.advance(1000);
    driver.tick(ctx);
    clock.jumpWall(-86_400_000); // a wall-clock jump must not move simulated time
    clock.advance(2000);
    driver.tick(ctx);
    await driver.stop();
    expect(readings.map(uptime)).toEqual([100, 300]);
    expect(readings[1]!.ts).toBe(clock.now());
  });

  it('comms_loss: emits nothing and reports stale while active, running again after', async () => {
    const clock = new ManualClock();
    const faults: SimulatedFault[] = [{ type: 'comms_loss', start_s: 100, duration_s: 100, index: 0 }];
    const driver = new SimulatorDriver({ deviceId: 'cp', kind: 'charger', intervalMs: 3_600_000, config: simulatorConfig({ faults }) });
    const { ctx, readings, states } = context(clock, 'charger');
    await driver.start(ctx);
    for (const s of [50, 110, 150, 210]) {
      clock.advance(s * 1000 - clock.monotonic());
      driver.tick(ctx);
    }
    await driver.stop();
    expect(readings.map(uptime)).toEqual([50, 210]);
    expect(states).toEqual(['running', 'stale', 'running']);
  });

  it('caps the simulated time of one tick and counts it', async () => {
    const clock = new ManualClock();
    const driver = new SimulatorDriver({ deviceId: 'cp', kind: 'charger', intervalMs: 3_600_000, config: simulatorConfig({ acceleration: 1e6 }) });
    const { ctx, readings, errors } = context(clock, 'charger');
    await driver.start(ctx);
    clock.advance(600_000); // 6e11 simulated seconds requested
    driver.tick(ctx);
    await driver.stop();
    expect(errors).toEqual(['sim_behind']);
    expect(uptime(readings[0]!)).toBe(MAX_SIM_S_PER_TICK);
  });

  it('demo clock: stamps simulated time (timeBase demo), strictly increasing, resuming after the newest stored record', async () => {
    const clock = new ManualClock();
    const start = clock.now();
    const driver = new SimulatorDriver({ deviceId: 'sim-1', kind: 'charger', intervalMs: 60_000, config: simulatorConfig({ acceleration: 288, demo_clock: true }) });
    const { ctx, readings } = context(clock, 'charger');
    await driver.start(ctx);
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      driver.tick(ctx);
    }
    await driver.stop();
    // 1 s of wall time per tick at acceleration 288: ts moves 288 s per reading, from the start.
    expect(readings.map((r) => (r.ts as number) - start)).toEqual([288_000, 576_000, 864_000, 1_152_000, 1_440_000]);
    expect(readings.every((r) => r.timeBase === 'demo' && r.source === 'simulator')).toBe(true);
    expect(readings.map(uptime)).toEqual([288, 576, 864, 1152, 1440]);

    // A fresh process (new driver) whose device already stored demo records ahead of the wall clock.
    const resumed = new SimulatorDriver({ deviceId: 'sim-1', kind: 'charger', intervalMs: 60_000, config: simulatorConfig({ acceleration: 288, demo_clock: true }) });
    const again = context(clock, 'charger');
    const newest = readings.at(-1)!.ts as number;
    await resumed.start({ ...again.ctx, resumeAfterTs: newest });
    clock.advance(1000);
    resumed.tick(again.ctx);
    await resumed.stop();
    expect(again.readings[0]!.ts).toBe(newest + 1 + 288_000);

    // Without demo_clock nothing changes: wall time, no timeBase.
    const wall = new SimulatorDriver({ deviceId: 'sim-1', kind: 'charger', intervalMs: 60_000, config: simulatorConfig({ acceleration: 288 }) });
    const plain = context(clock, 'charger');
    await wall.start(plain.ctx);
    clock.advance(1000);
    wall.tick(plain.ctx);
    await wall.stop();
    expect(plain.readings[0]!.ts).toBe(clock.now());
    expect(plain.readings[0]!.timeBase).toBeUndefined();
  });
});

