import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { modbusConfigSchema } from './config.js';
import { createModbusDriver } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));

describe('modbus config', () => {
  it('the example devices validate in the agent config and build drivers with their maps', () => {
    const file = join(here, 'example.yaml');
    const config = parseConfig(readFileSync(file, 'utf8'), file);
    expect(config.devices.map((d) => d.id)).toEqual(['pack-sunspec', 'evse-garage', 'evcs-victron']);
    for (const device of config.devices) {
      const driver = createModbusDriver(device);
      expect(driver.map.kind).toBe(device.kind);
      expect(driver.requests.length).toBeGreaterThan(0);
    }
    expect(config.devices[1]?.modbus).toMatchObject({ transport: 'rtu', parity: 'even', baud_rate: 9600, retries: 2 });
  });

  it('fills defaults', () => {
    expect(modbusConfigSchema.parse({ transport: 'tcp', host: 'h', map: 'sunspec-802' })).toEqual({
      transport: 'tcp', host: 'h', port: 502, baud_rate: 9600, parity: 'none', data_bits: 8, stop_bits: 1,
      unit_id: 1, timeout_ms: 1000, retries: 1, map: 'sunspec-802', max_gap: 10, max_registers: 125, stale_after: 2,
    });
  });

  it('rejects incomplete or impossible settings with the offending key', () => {
    const issues = (input: unknown) => {
      const result = modbusConfigSchema.safeParse(input);
      return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({ transport: 'tcp', map: 'x' })).toEqual(['host: transport tcp needs host']);
    expect(issues({ transport: 'rtu', map: 'x', unit_id: 0 })).toEqual([
      'path: transport rtu needs path (serial device)',
      'unit_id: an RTU unit id is 1-247 (0 is broadcast, which gets no answer)',
    ]);
    expect(issues({ transport: 'tcp', host: 'h', map: 'x', max_registers: 200 })[0]).toMatch(/^max_registers:/);
    expect(issues({ transport: 'tcp', host: 'h', map: 'x', baud: 9600 })[0]).toMatch(/baud/);
  });

  it('a device entry with a broken map fails to build with the map error', () => {
    expect(() =>
      createModbusDriver({ id: 'x', kind: 'battery', interval_ms: 1000, modbus: modbusConfigSchema.parse({ transport: 'tcp', host: 'h', map: 'nope' }) }),
    ).toThrow(/no shipped map named "nope"/);
  });
});
