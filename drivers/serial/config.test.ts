import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { serialConfigSchema, resolveSerialConfig } from './config.js';
import { createSerialDriver } from './driver.js';

describe('serial config', () => {
  it('example.yaml is a valid agent config and every device builds a driver', () => {
    const file = fileURLToPath(new URL('./example.yaml', import.meta.url));
    const config = parseConfig(readFileSync(file, 'utf8'), file);
    expect(config.devices.map((d) => d.serial?.protocol)).toEqual(['jbd', 'daly', 'jk']);
    const drivers = config.devices.map((d) => createSerialDriver(d));
    expect(drivers.map((d) => d.config.baud_rate)).toEqual([9600, 9600, 115200]);
    expect(drivers[1]?.config.address).toBe(0x40);
    expect(drivers[1]?.config.cells).toBe(16);
    expect(drivers.every((d) => d.type === 'serial')).toBe(true);
  });

  it('applies defaults and the per-protocol baud rate', () => {
    const c = resolveSerialConfig(serialConfigSchema.parse({ protocol: 'jk', path: '/dev/ttyUSB0' }));
    expect(c).toMatchObject({
      baud_rate: 115200, address: 0x40, request_timeout_ms: 500, stale_after_timeouts: 3, invert_current: false,
      reconnect_min_ms: 500, reconnect_max_ms: 30000,
    });
    expect(resolveSerialConfig(serialConfigSchema.parse({ protocol: 'daly', path: '/dev/x', baud_rate: 19200 })).baud_rate).toBe(19200);
  });

  it('reports every problem at once: unknown protocol, relative path, odd baud rate, misspelt key', () => {
    const r = serialConfigSchema.safeParse({ protocol: 'pylontech', path: 'ttyUSB0', baud_rate: 9601, adress: 1 });
    expect(r.success).toBe(false);
    const paths = r.error?.issues.map((i) => i.path.join('.')) ?? [];
    expect(paths).toEqual(expect.arrayContaining(['protocol', 'path', 'baud_rate', '']));
  });

  it('rejects a reconnect maximum below the minimum', () => {
    const r = serialConfigSchema.safeParse({ protocol: 'jbd', path: '/dev/x', reconnect_min_ms: 5000, reconnect_max_ms: 100 });
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['reconnect_max_ms']);
  });

  it('a serial device without its serial block is rejected by the agent schema', () => {
    expect(() => parseConfig('devices:\n  - id: p1\n    kind: battery\n    driver: serial\n', 'inline.yaml')).toThrow(/serial/);
  });
});
