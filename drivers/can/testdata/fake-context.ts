/** A DriverContext that records everything a driver does, for tests. */
import { pino } from 'pino';
import { ManualClock } from '../../../core/clock.js';
import type { DeviceKind } from '../../../core/record.js';
import type { DriverContext, DriverReading, DriverState } from '../../driver.js';

export interface RecordingContext extends DriverContext {
  readonly readings: DriverReading[];
  readonly states: DriverState[];
  readonly errors: Array<{ reason: string; detail?: unknown }>;
  readonly inputs: Record<string, number>;
}

export function recordingContext(deviceKind: DeviceKind = 'battery', onEmit?: (r: DriverReading) => void): RecordingContext {
  const readings: DriverReading[] = [];
  const states: DriverState[] = [];
  const errors: Array<{ reason: string; detail?: unknown }> = [];
  const inputs: Record<string, number> = {};
  return {
    deviceId: 'pack-1',
    deviceKind,
    clock: new ManualClock(),
    log: pino({ level: 'silent' }),
    readings,
    states,
    errors,
    inputs,
    emit(reading) {
      readings.push(reading);
      onEmit?.(reading);
    },
    reportError(reason, detail) {
      errors.push({ reason, detail });
    },
    countInputs(counts) {
      for (const [input, n] of Object.entries(counts)) inputs[input] = (inputs[input] ?? 0) + n;
    },
    setState(state) {
      states.push(state);
    },
  };
}
