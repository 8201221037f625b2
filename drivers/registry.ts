/**
 * Builds a device's driver from its config. Drivers are imported lazily so that a gateway that
 * only uses Modbus never loads the serial or SocketCAN native addons (and one whose addon failed
 * to build still runs its other devices).
 */
import type { DeviceConfig } from '../config/schema.js';
import type { Driver } from './driver.js';

export async function createSimulatorDriver(device: DeviceConfig): Promise<Driver> {
  const { SimulatorDriver } = await import('./simulator/index.js');
  return new SimulatorDriver({ deviceId: device.id, kind: device.kind, intervalMs: device.interval_ms, config: device.simulator });
}

export async function createDriver(device: DeviceConfig): Promise<Driver> {
  switch (device.driver) {
    case 'simulator':
      return createSimulatorDriver(device);
    case 'can': {
      const { CanDriver } = await import('./can/can-driver.js');
      return new CanDriver({ config: device.can!, intervalMs: device.interval_ms });
    }
    case 'modbus': {
      const { createModbusDriver } = await import('./modbus/index.js');
      return createModbusDriver(device);
    }
    case 'serial': {
      const { createSerialDriver } = await import('./serial/driver.js');
      return createSerialDriver(device);
    }
    case 'ocpp': {
      const { OcppDriver } = await import('./ocpp/driver.js');
      return new OcppDriver(device.ocpp!, device.id);
    }
  }
}
