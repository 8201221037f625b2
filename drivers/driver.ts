/**
 * The one extension point for data sources. A driver reads one device (a battery pack or a
 * charger) and hands readings to the agent; the agent stamps them into canonical records.
 *
 * Lifecycle: `probe()` answers "is the hardware there?" without side effects the device would
 * notice; `start(ctx)` begins emitting; `stop()` releases every port, socket, timer and listener the
 * driver took, and resolves only when it has. The agent starts and stops each driver in isolation:
 * a driver that throws from start() is marked failed and retried; it never takes the daemon down.
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { BatterySignals, ChargerSignals, DeviceKind, RecordSource } from '../core/record.js';

export type TelemetryBody =
  | { type: 'battery'; battery: BatterySignals }
  | { type: 'charger'; charger: ChargerSignals };

export interface DriverReading {
  body: TelemetryBody;
  /** Where the values really came from. */
  source: RecordSource;
  /** Measurement time (wall ms). Replay passes the recorded time; live drivers may omit it. */
  ts?: number;
  /** Simulator only: labels of the faults active when this reading was produced. */
  faults?: string[];
  /** Simulator with demo_clock only: `ts` is simulated time, not wall time (core/record.ts). */
  timeBase?: 'demo';
}

/** Per-device driver state, exported as a state-set metric. */
export const DRIVER_STATES = ['starting', 'running', 'stale', 'fallback', 'failed', 'stopped'] as const;
export type DriverState = (typeof DRIVER_STATES)[number];

export interface DriverContext {
  readonly deviceId: string;
  readonly deviceKind: DeviceKind;
  readonly clock: Clock;
  readonly log: Logger;
  /**
   * ts of this device's newest record already stored (undefined: none). A driver that makes its own
   * timeline (the simulator's demo clock) starts after it, so a restart never goes back in time.
   */
  readonly resumeAfterTs?: number;
  /** Hand a reading to the pipeline. Never throws; cheap enough to call per frame. */
  emit(reading: DriverReading): void;
  /**
   * Count a bad input or I/O problem by a short, fixed reason (e.g. 'bad_checksum', 'timeout',
   * 'port_closed'). The agent counts every call and logs once per burst, not once per frame.
   */
  reportError(reason: string, detail?: unknown): void;
  /**
   * Add to the device's input counts (e.g. CAN `frames_received`), exported as
   * `evedge_driver_inputs_total{device,input}` so that losses can be found by comparing with what
   * the bus or port says it carried. Count locally and hand over per tick and on stop, not per frame.
   */
  countInputs(counts: Readonly<Record<string, number>>): void;
  /** Report a state change (e.g. 'stale' when the device stops answering). */
  setState(state: DriverState): void;
}

export interface Driver {
  /** The driver type, e.g. 'simulator', 'can', 'modbus', 'serial'. */
  readonly type: string;
  probe(): Promise<boolean>;
  start(ctx: DriverContext): Promise<void>;
  stop(): Promise<void>;
}
