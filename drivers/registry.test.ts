/** Every shipped example device builds through the registry into the driver its config names. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { createDriver } from './registry.js';

const EXPECTED_TYPE: Record<string, string> = { simulator: 'simulator', can: 'can', modbus: 'modbus', serial: 'serial', ocpp: 'ocpp' };

describe('driver registry', () => {
  for (const driver of ['can', 'modbus', 'serial', 'ocpp']) {
    it(`builds every device in drivers/${driver}/example.yaml`, async () => {
      const file = new URL(`./${driver}/example.yaml`, import.meta.url).pathname;
      const config = parseConfig(readFileSync(file, 'utf8'), file);
      expect(config.devices.length).toBeGreaterThan(0);
      for (const device of config.devices) {
        const built = await createDriver(device);
        expect(built.type, device.id).toBe(EXPECTED_TYPE[device.driver]);
        await built.stop();
      }
    });
  }

  it('builds the simulator for the built-in default devices', async () => {
    const config = parseConfig('devices: [{ id: s, kind: charger, driver: simulator }]\n', 't.yaml');
    const built = await createDriver(config.devices[0]!);
    expect(built.type).toBe('simulator');
    expect(await built.probe()).toBe(true);
  });
});
