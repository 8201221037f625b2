/**
 * A DriverContext that records everything a driver hands to the agent: the one test double the
 * driver tests and benchmarks share (it stands in for the agent, not for any library).
 */
import { pino } from 'pino';
import { SystemClock, type Clock } from '../core/clock.js';
import type { DeviceKind } from '../core/record.js';
import type { DriverContext, DriverReading, DriverState } from './driver.js';

export class RecordingContext implements DriverContext {
  readonly readings: DriverReading[] = [];
  readonly errors: Array<{ reason: string; detail?: unknown }> = [];
  readonly states: DriverState[] = [];
  readonly inputs: Record<string, number> = {};
  readonly log = pino({ level: 'silent' });

  constructor(
    readonly deviceId = 'device-test',
    readonly deviceKind: DeviceKind = 'battery',
    readonly clock: Clock = new SystemClock({ trust: 'always' }),
  ) {}

  emit(reading: DriverReading): void {
    this.readings.push(reading);
  }

  reportError(reason: string, detail?: unknown): void {
    this.errors.push({ reason, detail });
  }

  countInputs(counts: Readonly<Record<string, number>>): void {
    for (const [input, n] of Object.entries(counts)) this.inputs[input] = (this.inputs[input] ?? 0) + n;
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

  /** Distinct error reasons seen, sorted. */
  reasons(): string[] {
    return [...new Set(this.errors.map((e) => e.reason))].sort();
  }

  /** Error reasons with counts, for readable assertion failures. */
  reasonCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.errors) out[e.reason] = (out[e.reason] ?? 0) + 1;
    return out;
  }
}
