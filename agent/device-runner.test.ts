/**
 * Fallback and staleness through the real DeviceRunner and the real simulator. The "hardware" is
 * a small Driver of our own whose presence the test switches: it stands for a device being
 * plugged in and unplugged, which the per-protocol drivers test against real ports.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { deviceSchema } from '../config/schema.js';
import { createSimulatorDriver } from '../drivers/registry.js';
import type { Driver, DriverContext } from '../drivers/driver.js';
import { SystemClock } from '../core/clock.js';
import { DeviceRunner } from './device-runner.js';
import { AgentMetrics } from './metrics.js';
import type { PendingRecord } from '../core/record.js';

class PluggableDriver implements Driver {
  readonly type = 'test-hardware';
  present = false;
  answering = true;
  startFails = false;
  private timer: NodeJS.Timeout | undefined;
  async probe(): Promise<boolean> {
    return this.present;
  }
  async start(ctx: DriverContext): Promise<void> {
    if (this.startFails) throw new Error('port busy');
    this.timer = setInterval(() => {
      if (!this.present || !this.answering) return ctx.setState('stale');
      ctx.emit({ source: 'hardware', body: { type: 'battery', battery: { packVoltageV: 400 } } });
      ctx.countInputs({ frames_received: 3, frames_decoded: 2 });
    }, 10);
  }
  async stop(): Promise<void> {
    clearInterval(this.timer);
  }
}

const runners: DeviceRunner[] = [];
afterEach(async () => {
  while (runners.length > 0) await runners.pop()!.stop();
});

async function waitFor(check: () => boolean, what: string, ms = 4000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function setup(hardware: PluggableDriver, fallback: 'simulator' | 'none') {
  // Parsed as a simulator device, then pointed at "hardware": the runner only looks at the
  // driver name to decide whether a hardware driver is involved.
  const parsed = deviceSchema.parse({
    id: 'pack-x', kind: 'battery', driver: 'simulator', fallback, interval_ms: 10,
    reprobe_interval_ms: 100, fallback_grace_ms: 100, stale_after_ms: 100,
    simulator: { seed: 9, acceleration: 100, cells_series: 8 },
  });
  const device = { ...parsed, driver: 'modbus' as const };
  const records: PendingRecord[] = [];
  const metrics = new AgentMetrics();
  const runner = new DeviceRunner({
    device, gatewayId: 'gw', clock: new SystemClock({ trust: 'always' }), log: pino({ level: 'silent' }), metrics,
    createDriver: async () => hardware, createSimulator: createSimulatorDriver, accept: (r) => records.push(r),
  });
  runners.push(runner);
  return { runner, records, metrics };
}

describe('device runner', () => {
  it('simulates while the hardware is absent, switches to it when it appears and back when it goes quiet', async () => {
    const hardware = new PluggableDriver();
    const { runner, records, metrics } = setup(hardware, 'simulator');
    await runner.start();
    expect(runner.currentState).toBe('fallback');
    await waitFor(() => records.length > 3, 'simulated records');
    expect(records.every((r) => r.source === 'simulator')).toBe(true);

    hardware.present = true;
    await waitFor(() => records.at(-1)?.source === 'hardware', 'hardware records');
    expect(runner.currentState).toBe('running');
    const firstHardware = records.findIndex((r) => r.source === 'hardware');
    // Once on hardware, no simulated record is interleaved.
    await new Promise((r) => setTimeout(r, 50));
    expect(records.slice(firstHardware).every((r) => r.source === 'hardware')).toBe(true);

    hardware.answering = false;
    await waitFor(() => runner.currentState === 'stale', 'stale');
    await waitFor(() => records.at(-1)?.source === 'simulator' && runner.currentState === 'fallback', 'back to simulator');
    const text = await metrics.registry.metrics();
    // What the hardware driver counted reaches evedge_driver_inputs_total, per device and input.
    const received = Number(/evedge_driver_inputs_total\{device="pack-x",input="frames_received"\} (\d+)/.exec(text)?.[1]);
    const decoded = Number(/evedge_driver_inputs_total\{device="pack-x",input="frames_decoded"\} (\d+)/.exec(text)?.[1]);
    expect(received).toBeGreaterThan(0);
    expect(decoded * 3).toBe(received * 2);
    expect(text).toMatch(/evedge_device_source_switches_total\{device="pack-x",to="hardware"\} 1/);
    expect(text).toMatch(/evedge_device_source_switches_total\{device="pack-x",to="simulator"\} 1/);
  });

  it('without fallback, an absent device is stale and emits nothing, then runs when it appears', async () => {
    const hardware = new PluggableDriver();
    const { runner, records } = setup(hardware, 'none');
    await runner.start();
    expect(runner.currentState).toBe('stale');
    await new Promise((r) => setTimeout(r, 150));
    expect(records).toHaveLength(0);
    hardware.present = true;
    await waitFor(() => records.length > 0, 'hardware records');
    expect(records.every((r) => r.source === 'hardware')).toBe(true);
  });

  it('a driver whose start() throws is marked failed and retried, never crashing', async () => {
    const hardware = new PluggableDriver();
    hardware.present = true;
    hardware.startFails = true;
    const { runner, records, metrics } = setup(hardware, 'none');
    await runner.start();
    expect(runner.currentState).toBe('failed');
    expect(await metrics.registry.metrics()).toMatch(/evedge_component_failures_total\{component="device:pack-x"\} [1-9]/);
    hardware.startFails = false;
    await waitFor(() => records.length > 0, 'recovered hardware records');
    expect(runner.currentState).toBe('running');
  });

  it('demo-clock readings become demo records: simulator time, timeBase demo, never clockTrusted; hardware cannot claim it', async () => {
    const device = deviceSchema.parse({
      id: 'pack-demo', kind: 'battery', driver: 'simulator', interval_ms: 10,
      simulator: { seed: 9, acceleration: 3600, cells_series: 8, demo_clock: true },
    });
    const records: PendingRecord[] = [];
    const clock = new SystemClock({ trust: 'always' });
    const resumeAfterTs = Date.now() + 86_400_000; // a previous demo run left records a day ahead of the wall clock
    const runner = new DeviceRunner({
      device, gatewayId: 'gw', clock, log: pino({ level: 'silent' }), metrics: new AgentMetrics(), resumeAfterTs,
      createDriver: createSimulatorDriver, createSimulator: createSimulatorDriver, accept: (r) => records.push(r),
    });
    runners.push(runner);
    await runner.start();
    await waitFor(() => records.length > 3, 'demo records');
    expect(records.every((r) => r.timeBase === 'demo' && r.source === 'simulator' && r.clockTrusted === false)).toBe(true);
    expect(records[0]!.ts).toBeGreaterThan(resumeAfterTs);
    expect(records.every((r, i) => i === 0 || r.ts > records[i - 1]!.ts)).toBe(true);

    const liar = new PluggableDriver();
    liar.present = true;
    liar.start = async (ctx: DriverContext) => {
      ctx.emit({ source: 'hardware', ts: 5, timeBase: 'demo', body: { type: 'battery', battery: { packVoltageV: 400 } } });
    };
    const { runner: hw, records: hwRecords } = setup(liar, 'none');
    await hw.start();
    await waitFor(() => hwRecords.length > 0, 'hardware record');
    expect(hwRecords[0]).toMatchObject({ source: 'hardware', clockTrusted: true });
    expect(hwRecords[0]!.timeBase).toBeUndefined();
  });
});

