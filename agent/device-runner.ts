/**
 * Runs one device: its hardware driver, and the simulator when the device is configured with
 * `fallback: simulator` and the hardware is absent or has gone quiet.
 *
 * - Start: probe the hardware; present -> run it; absent -> run the simulator (state 'fallback')
 *   or, without fallback, stay 'stale' and keep probing.
 * - While simulating, re-probe every `reprobe_interval_ms`; when the hardware answers, switch to it.
 * - While on hardware, a device that is stale (the driver says so, or nothing arrived for
 *   `stale_after_ms`) for longer than `fallback_grace_ms` is switched back to the simulator.
 * - Every switch is logged, counted and visible per device; every record carries the source of
 *   the driver that really produced it, and emits from a driver that has been stopped are ignored.
 * - A driver that throws from start() is marked 'failed' and retried on the probe interval: one
 *   device never takes the daemon down.
 */
import type { Logger } from 'pino';
import { delayToNextSlot, type Clock } from '../core/clock.js';
import type { AgentMetrics } from './metrics.js';
import type { PendingRecord, RecordSource } from '../core/record.js';
import { BurstLogger } from './logger.js';
import type { DeviceConfig } from '../config/schema.js';
import type { Driver, DriverContext, DriverReading, DriverState } from '../drivers/driver.js';

export interface DeviceRunnerOptions {
  device: DeviceConfig;
  gatewayId: string;
  clock: Clock;
  log: Logger;
  metrics: AgentMetrics;
  createDriver: (device: DeviceConfig) => Promise<Driver>;
  createSimulator: (device: DeviceConfig) => Promise<Driver>;
  accept: (record: PendingRecord) => void;
  /** ts of the device's newest stored record (drivers with their own timeline resume after it). */
  resumeAfterTs?: number;
}

type Role = 'hardware' | 'simulator';

export class DeviceRunner {
  private active: { driver: Driver; role: Role; generation: number } | undefined;
  private generation = 0;
  private state: DriverState = 'stopped';
  private staleSince: number | undefined;
  private lastEmit = 0;
  private lastSource: RecordSource | undefined;
  private lastProbe = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private transition: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly burst: BurstLogger;
  private readonly log: Logger;

  constructor(private readonly options: DeviceRunnerOptions) {
    this.log = options.log.child({ device: options.device.id });
    this.burst = new BurstLogger(this.log, () => options.clock.monotonic());
  }

  get currentState(): DriverState {
    return this.state;
  }
  get currentSource(): RecordSource | undefined {
    return this.lastSource;
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.setState('starting');
    await this.serial(() => this.chooseDriver());
    const { device } = this.options;
    this.scheduleSupervision(Math.min(device.reprobe_interval_ms, Math.max(device.interval_ms, 250)));
  }

  /** Supervision on the shared grid (core/clock.ts): it wakes the event loop with the polls, not between them. */
  private scheduleSupervision(tick: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.serial(() => this.supervise());
      this.scheduleSupervision(tick);
    }, delayToNextSlot(this.options.clock.monotonic(), tick));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.serial(() => this.deactivate());
    this.setState('stopped');
  }

  /** Transitions run one at a time so a slow probe never overlaps a switch. */
  private serial(step: () => Promise<void>): Promise<void> {
    this.transition = this.transition.then(step).catch((err: unknown) => {
      this.options.metrics.componentFailures.inc({ component: `device:${this.options.device.id}` });
      this.log.error({ err }, 'device supervision step failed');
    });
    return this.transition;
  }

  private async chooseDriver(): Promise<void> {
    const { device } = this.options;
    if (device.driver === 'simulator') {
      await this.activate('simulator');
      return;
    }
    this.lastProbe = this.options.clock.monotonic();
    const hardware = await this.options.createDriver(device);
    const present = await hardware.probe().catch(() => false);
    if (present) await this.activate('hardware', hardware);
    else if (device.fallback === 'simulator') {
      if (this.active?.role !== 'simulator') await this.activate('simulator');
    } else {
      await this.deactivate();
      this.setState('stale');
    }
  }

  private async supervise(): Promise<void> {
    if (this.stopped) return;
    const { device, clock } = this.options;
    const now = clock.monotonic();
    const staleAfter = device.stale_after_ms ?? Math.max(5 * device.interval_ms, 5000);
    if (this.active && this.state === 'running' && now - this.lastEmit > staleAfter) this.setState('stale');
    const onHardware = this.active?.role === 'hardware';
    if (onHardware) {
      const staleFor = this.staleSince === undefined ? 0 : now - this.staleSince;
      if (device.fallback === 'simulator' && this.state === 'stale' && staleFor >= device.fallback_grace_ms) {
        this.log.warn({ staleForMs: Math.round(staleFor) }, 'hardware stale past the grace period; switching to simulator');
        await this.activate('simulator');
      }
      return;
    }
    // Simulating, failed, or waiting for hardware: look for the hardware again.
    if (device.driver !== 'simulator' && now - this.lastProbe >= device.reprobe_interval_ms) await this.chooseDriver();
    else if (device.driver === 'simulator' && this.state === 'failed') await this.chooseDriver();
  }

  private async activate(role: Role, driver?: Driver): Promise<void> {
    const previous = this.active?.role;
    await this.deactivate();
    const next = driver ?? (await this.options.createSimulator(this.options.device));
    const generation = ++this.generation;
    this.active = { driver: next, role, generation };
    this.lastEmit = this.options.clock.monotonic();
    const fallback = role === 'simulator' && this.options.device.driver !== 'simulator';
    this.setState(fallback ? 'fallback' : 'running');
    try {
      await next.start(this.context(generation, fallback));
    } catch (err) {
      this.active = undefined;
      this.setState('failed');
      this.options.metrics.componentFailures.inc({ component: `device:${this.options.device.id}` });
      this.log.error({ err, driver: next.type }, 'driver failed to start; will retry');
      await next.stop().catch(() => undefined);
      return;
    }
    if (role === 'simulator') this.noteSource('simulator');
    if (previous !== undefined && previous !== role) {
      this.options.metrics.sourceSwitches.inc({ device: this.options.device.id, to: role });
      this.log.warn({ from: previous, to: role }, 'device source switched');
    } else this.log.info({ driver: next.type, role }, 'device started');
  }

  private async deactivate(): Promise<void> {
    const current = this.active;
    this.active = undefined;
    if (current) await current.driver.stop().catch((err: unknown) => this.log.error({ err }, 'driver stop failed'));
  }

  private context(generation: number, fallback: boolean): DriverContext {
    const { device, gatewayId, clock, metrics } = this.options;
    const isCurrent = () => this.active?.generation === generation;
    const simulated = this.active?.role === 'simulator';
    return {
      deviceId: device.id,
      deviceKind: device.kind,
      clock,
      log: this.log,
      ...(this.options.resumeAfterTs !== undefined ? { resumeAfterTs: this.options.resumeAfterTs } : {}),
      emit: (reading: DriverReading) => {
        if (!isCurrent()) return;
        this.lastEmit = clock.monotonic();
        if (this.state === 'stale' || this.state === 'starting') this.setState(fallback ? 'fallback' : 'running');
        // Whatever a driver claims, data from the simulator is labelled simulated.
        const source: RecordSource = simulated ? 'simulator' : reading.source;
        // Only the simulator may stamp demo time: anything else claiming it is wall time as usual.
        const demo = reading.timeBase === 'demo' && source === 'simulator';
        this.noteSource(source);
        this.options.accept({
          gatewayId,
          deviceId: device.id,
          deviceKind: device.kind,
          source,
          ts: reading.ts ?? clock.now(),
          // A replayed log carries its own recorded time; live readings depend on the gateway clock;
          // demo time (simulator demo_clock) is never wall time, so it is never trusted as such.
          clockTrusted: demo ? false : reading.ts !== undefined && source === 'replay' ? true : clock.trusted(),
          ...(demo ? { timeBase: 'demo' as const } : {}),
          ...(reading.faults && reading.faults.length > 0 ? { faults: reading.faults } : {}),
          ...reading.body,
        });
      },
      reportError: (reason: string, detail?: unknown) => {
        metrics.driverErrors.inc({ device: device.id, reason });
        this.burst.warn(reason, 'driver reported a problem', { reason, detail: describe(detail) });
      },
      countInputs: (counts: Readonly<Record<string, number>>) => {
        for (const [input, n] of Object.entries(counts)) if (n > 0) metrics.driverInputs.inc({ device: device.id, input }, n);
      },
      setState: (state: DriverState) => {
        if (isCurrent()) this.setState(state === 'running' && fallback ? 'fallback' : state);
      },
    };
  }

  private noteSource(source: RecordSource): void {
    if (source === this.lastSource) return;
    this.lastSource = source;
    this.options.metrics.setDeviceSource(this.options.device.id, source);
  }

  private setState(state: DriverState): void {
    if (state === 'stale' && this.state !== 'stale') this.staleSince = this.options.clock.monotonic();
    if (state !== 'stale') this.staleSince = undefined;
    this.state = state;
    this.options.metrics.setDriverState(this.options.device.id, state);
  }
}

function describe(detail: unknown): unknown {
  return detail instanceof Error ? { name: detail.name, message: detail.message } : detail;
}
