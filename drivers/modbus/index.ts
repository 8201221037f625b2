/** Entry point for the driver registry: builds a ModbusDriver from a device entry. */
import type { DeviceKind } from '../../core/record.js';
import type { ModbusConfig } from './config.js';
import { ModbusDriver } from './driver.js';

export { ModbusDriver } from './driver.js';
export { builtinMapNames, loadRegisterMap } from './map-loader.js';
export { modbusConfigSchema, type ModbusConfig } from './config.js';

export interface ModbusDeviceEntry {
  id: string;
  kind: DeviceKind;
  interval_ms: number;
  modbus?: ModbusConfig;
}

/** Throws ModbusMapError (naming the file and entry) when the device's map cannot be used. */
export function createModbusDriver(device: ModbusDeviceEntry): ModbusDriver {
  if (!device.modbus) throw new Error(`device ${device.id}: driver "modbus" needs a "modbus:" block`);
  return new ModbusDriver(device.modbus, { intervalMs: device.interval_ms });
}
