/**
 * The simulator as a live driver: the agent's data source when no hardware is attached, and the
 * fallback of hardware drivers.
 *
 * Every intervalMs it advances simulated time by (monotonic wall delta x acceleration) and emits
 * one reading (source 'simulator', with the active fault labels). While a comms_loss fault is
 * active it emits nothing and reports the state 'stale', then 'running' again, as a device that
 * stops answering would look. Time comes from ctx.clock (monotonic for the step, wall for ts),
 * so tests can drive it with a ManualClock.
 *
 * Demo clock (`demo_clock: true`): ts is the simulated time instead, starting at the wall time of
 * the first start (or just after ctx.resumeAfterTs, the device's newest stored record, when that is
 * later: a restart never goes back in time) and advancing by exactly the simulated seconds, so it
 * grows strictly from reading to reading. Such readings carry timeBase 'demo'.
 *
 * One tick never simulates more than MAX_SIM_S_PER_TICK: after a suspend or with an absurd
 * acceleration the simulation falls behind real time (counted as 'sim_behind') rather than block
 * the event loop for seconds.
 */
import { delayToNextSlot } from '../../core/clock.js';
import type { DeviceKind } from '../../core/record.js';
import type { Driver, DriverContext } from '../driver.js';
import type { SimulatorConfig } from './config.js';
import type { DeviceSimulator } from './device.js';
import { createDeviceSimulator } from './generate.js';

/**
 * One simulated day per tick: enough for the documented "acceleration 86400 at 1 s intervals";
 * that costs ~0.1 s of CPU per tick for a 96-cell pack on a desktop core (several times more on
 * a Raspberry Pi), which is the most the event loop should be blocked for.
 */
export const MAX_SIM_S_PER_TICK = 86_400;

export interface SimulatorDriverOptions {
  deviceId: string;
  kind: DeviceKind;
  intervalMs: number;
  config: SimulatorConfig;
}

export class SimulatorDriver implements Driver {
  readonly type = 'simulator';
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sim: DeviceSimulator | undefined;
  private lastMono = 0;
  private stale = false;
  /** Demo clock: ts of simulated second 0, and the last ts emitted (ts grows strictly). */
  private demoStartTs = 0;
  private demoLastTs = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: SimulatorDriverOptions) {
    if (!(opts.intervalMs > 0)) throw new RangeError('intervalMs must be > 0');
  }

  /** A simulator is always there. */
  async probe(): Promise<boolean> {
    return true;
  }

  async start(ctx: DriverContext): Promise<void> {
    if (this.timer) return;
    // A restarted driver continues its simulation rather than starting a fresh pack.
    if (!this.sim) {
      this.sim = createDeviceSimulator({ deviceId: this.opts.deviceId, kind: this.opts.kind, config: this.opts.config, startTs: ctx.clock.now() });
      this.demoStartTs = Math.max(ctx.clock.now(), (ctx.resumeAfterTs ?? Number.NEGATIVE_INFINITY) + 1);
    }
    this.lastMono = ctx.clock.monotonic();
    this.stale = false;
    ctx.setState('running');
    this.scheduleTick(ctx);
  }

  /** Ticks on the shared grid of this interval (core/clock.ts), with the other devices' polls. */
  private scheduleTick(ctx: DriverContext): void {
    this.timer = setTimeout(() => {
      this.tick(ctx);
      if (this.timer) this.scheduleTick(ctx);
    }, delayToNextSlot(ctx.clock.monotonic(), this.opts.intervalMs));
  }

  /** One interval: advance the physics, then emit (or stay silent while comms are lost). */
  tick(ctx: DriverContext): void {
    const sim = this.sim;
    if (!sim) return;
    const now = ctx.clock.monotonic();
    let simS = ((now - this.lastMono) / 1000) * this.opts.config.acceleration;
    this.lastMono = now;
    if (simS > MAX_SIM_S_PER_TICK) {
      ctx.reportError('sim_behind', { requestedS: simS });
      simS = MAX_SIM_S_PER_TICK;
    }
    try {
      if (simS > 0) sim.step(simS);
      if (sim.commsLost()) {
        if (!this.stale) ctx.setState('stale');
        this.stale = true;
        return;
      }
      if (this.stale) ctx.setState('running');
      this.stale = false;
      const reading = sim.reading();
      if (this.opts.config.demo_clock) {
        this.demoLastTs = Math.max(this.demoStartTs + Math.round(sim.timeS * 1000), this.demoLastTs + 1);
        ctx.emit({ ...reading, ts: this.demoLastTs, timeBase: 'demo' });
      } else {
        ctx.emit({ ...reading, ts: ctx.clock.now() });
      }
    } catch (err) {
      ctx.reportError('sim_error', err);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
