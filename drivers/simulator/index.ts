/** Public API of the physics-based simulator (see README.md in this folder). */
export { SimulatorDriver, type SimulatorDriverOptions } from './driver.js';
export {
  createDeviceSimulator,
  DEFAULT_START_TS,
  type FleetDevice,
  type FleetOptions,
  type FleetReading,
  planFleet,
  type SimulateDeviceOptions,
  simulateDevice,
  simulateFleet,
  simulatorConfig,
  type TimedReading,
} from './generate.js';
export type { DeviceSimulator } from './device.js';
export { BatterySimulator } from './battery.js';
export { ChargerSimulator } from './charger.js';
export { CHEMISTRIES, type Chemistry, ocv } from './chemistry.js';
export { FAULT_KINDS, defaultSeverity } from './faults.js';
export { SIMULATED_FAULT_TYPES, type SimulatedFault, type SimulatorConfig, simulatorConfigSchema } from './config.js';
export { Rng, hashString } from './rng.js';
export { FADE_SHAPES, type FadeShape, type LabCellParams, type LabCellTrajectory, planLabCells, simulateLabCell, trueEndOfLife } from './capacity-trajectory.js';
