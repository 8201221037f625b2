/**
 * The common face of a simulated device: advance simulated time, then read it. Both the live
 * driver and the offline generator use only this, so they produce the same physics.
 */
import type { DeviceKind } from '../../core/record.js';
import type { DriverReading } from '../driver.js';
import type { SimulatorConfig } from './config.js';
import { hashString } from './rng.js';

export interface DeviceSimulator {
  /** Simulated seconds since the start. */
  readonly timeS: number;
  /** Advance the physics by dtS simulated seconds (internal sub-steps). */
  step(dtS: number): void;
  /** The reading a BMS/charger would report now; ts is left to the caller. */
  reading(): DriverReading;
  /** True while a comms_loss fault is active: the device answers nothing. */
  commsLost(): boolean;
}

export interface DeviceOptions {
  deviceId: string;
  kind: DeviceKind;
  config: SimulatorConfig;
  /** Wall-clock ms of simulated time 0 (time of day for the storage profile). */
  startTs: number;
}

/** The device's seed: configured, or a stable hash of its id. */
export function deviceSeed(deviceId: string, config: SimulatorConfig): number {
  return config.seed ?? hashString(deviceId);
}
