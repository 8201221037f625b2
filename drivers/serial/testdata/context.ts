/** A DriverContext that records what a driver hands to the agent, for tests and benchmarks. */
import { pino } from 'pino';
import { SystemClock } from '../../../agent/clock.js';
import type { DriverContext, DriverReading, DriverState } from '../../driver.js';

export class RecordingContext implements DriverContext {
  readonly deviceId: string;
  readonly deviceKind = 'battery' as const;
  readonly clock = new SystemClock({ trust: 'always' });
  readonly log = pino({ level: 'silent' });
  readonly readings: DriverReading[] = [];
  readonly errors: { reason: string; detail?: unknown }[] = [];
  readonly states: DriverState[] = [];

  constructor(deviceId = 'bms-test') {
    this.deviceId = deviceId;
  }

  emit(reading: DriverReading): void {
    this.readings.push(reading);
  }

  reportError(reason: string, detail?: unknown): void {
    this.errors.push({ reason, detail });
  }

  setState(state: DriverState): void {
    this.states.push(state);
  }

  get state(): DriverState | undefined {
    return this.states.at(-1);
  }

  count(reason: string): number {
    return this.errors.filter((e) => e.reason === reason).length;
  }

  /** Error reasons seen, with counts, for readable assertion failures. */
  reasons(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.errors) out[e.reason] = (out[e.reason] ?? 0) + 1;
    return out;
  }
}
