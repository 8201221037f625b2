/**
 * The whole driver over Modbus TCP against an independent server (pymodbus): poll -> canonical
 * record, exceptions by name, timeouts and stale state, reconnection after the server returns.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { modbusConfigSchema, type ModbusConfig } from './config.js';
import { ModbusDriver } from './driver.js';
import { havePymodbus, RecordingContext, startServer, waitFor, type RunningServer } from './testdata/harness.js';
import { SUNSPEC_EXPECTED, sunspecBattery } from './testdata/images.js';

const INTERVAL = 100;

function tcpConfig(port: number, extra: Partial<Record<keyof ModbusConfig, unknown>> = {}): ModbusConfig {
  return modbusConfigSchema.parse({ transport: 'tcp', host: '127.0.0.1', port, timeout_ms: 250, retries: 1, map: 'sunspec-802', ...extra });
}

describe.skipIf(!havePymodbus)('ModbusDriver over TCP against pymodbus (needs /usr/bin/python3 with python3-pymodbus)', () => {
  let server: RunningServer;
  const drivers: ModbusDriver[] = [];
  const started = (config: ModbusConfig, ctx: RecordingContext) => {
    const driver = new ModbusDriver(config, { intervalMs: INTERVAL });
    drivers.push(driver);
    return driver.start(ctx).then(() => driver);
  };

  beforeAll(async () => {
    server = await startServer({ transport: 'tcp', port: 0, units: sunspecBattery(1) });
  });
  afterEach(async () => {
    await Promise.all(drivers.splice(0).map((d) => d.stop()));
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('probes: true against the server, false against a closed port', async () => {
    expect(await new ModbusDriver(tcpConfig(server.port), { intervalMs: INTERVAL }).probe()).toBe(true);
    const closed = new ModbusDriver(tcpConfig(1, { timeout_ms: 200 }), { intervalMs: INTERVAL });
    expect(await closed.probe()).toBe(false);
  });

  it('polls the SunSpec 802 battery into canonical records with the physical values', async () => {
    const ctx = new RecordingContext('pack-1', 'battery');
    await started(tcpConfig(server.port), ctx);
    await waitFor(() => ctx.readings.length >= 3, 5000, 'three readings');
    for (const reading of ctx.readings) {
      expect(reading.source).toBe('hardware');
      expect(reading.body).toEqual({ type: 'battery', battery: SUNSPEC_EXPECTED });
    }
    expect(ctx.errors).toEqual([]);
    expect(ctx.states).toEqual(['starting', 'running']);
  });

  it('finds SunSpec model 802 behind another model by walking the chain from "SunS"', async () => {
    const own = await startServer({ transport: 'tcp', port: 0, units: sunspecBattery(1, { extraModelFirst: true }) });
    try {
      const ctx = new RecordingContext('pack-chain', 'battery');
      const driver = await started(tcpConfig(own.port), ctx);
      await waitFor(() => ctx.readings.length >= 2, 5000, 'readings');
      expect(driver.map.baseAddress).toBe(40000 + 2 + 68 + 52);
      expect(driver.requests).toMatchObject([{ start: 40122, count: 64 }]);
      expect(ctx.readings.at(-1)?.body).toEqual({ type: 'battery', battery: SUNSPEC_EXPECTED });
      expect(ctx.errors).toEqual([]);
    } finally {
      await own.stop();
    }
  });

  it('reports a device without the SunSpec model (and without the marker) and emits nothing', async () => {
    const noModel = await startServer({ transport: 'tcp', port: 0, units: { 1: { holding: { 40000: [0x5375, 0x6e53, 1, 2, 0, 0, 0xffff, 0] } } } });
    const noMarker = await startServer({ transport: 'tcp', port: 0, units: { 1: { holding: { 0: [1, 2, 3] } } } });
    try {
      const a = new RecordingContext('pack-no-model', 'battery');
      const b = new RecordingContext('pack-no-marker', 'battery');
      await started(tcpConfig(noModel.port, { stale_after: 1 }), a);
      await started(tcpConfig(noMarker.port, { stale_after: 1 }), b);
      await waitFor(() => a.state === 'stale' && b.state === 'stale', 5000, 'both stale');
      expect(a.readings).toEqual([]);
      expect(b.readings).toEqual([]);
      expect(a.reasons()).toEqual(['sunspec_model_not_found']);
      expect(String(a.errors[0]?.detail)).toContain('SunSpec model 802 not in the device\'s chain (models: 1)');
      expect(String(b.errors[0]?.detail)).toContain('no SunSpec marker');
      expect(await new ModbusDriver(tcpConfig(noMarker.port), { intervalMs: INTERVAL }).probe()).toBe(false);
    } finally {
      await noModel.stop();
      await noMarker.stop();
    }
  });

  it('names Modbus exceptions (IllegalDataAddress) and still emits the points that were read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ev-edge-map-'));
    const mapFile = join(dir, 'partial.yaml');
    writeFileSync(
      mapFile,
      'name: partial\nkind: battery\npoints:\n' +
        '  - { name: V, address: 40104, type: uint16, scale: 0.1, field: packVoltageV }\n' +
        '  - { name: missing, address: 50000, type: uint16, field: socPct }\n',
    );
    const ctx = new RecordingContext('pack-2', 'battery');
    await started(tcpConfig(server.port, { map: mapFile }), ctx);
    await waitFor(() => ctx.readings.length >= 2, 5000, 'two readings');
    expect(ctx.readings[0]?.body).toEqual({ type: 'battery', battery: { packVoltageV: 387.5 } });
    expect(ctx.reasons()).toEqual(['exception_IllegalDataAddress']);
    expect(String(ctx.errors[0]?.detail)).toContain('holding 50000+1: Modbus exception 2 IllegalDataAddress');
    expect(ctx.state).toBe('running');
  });

  it('splits a request that reads across an unmapped hole after IllegalDataAddress, then reads all points', async () => {
    const own = await startServer({ transport: 'tcp', port: 0, units: { 1: { holding: { 100: [4012], 105: [3987] } } } });
    const dir = mkdtempSync(join(tmpdir(), 'ev-edge-map-'));
    const mapFile = join(dir, 'holes.yaml');
    writeFileSync(
      mapFile,
      'name: holes\nkind: battery\npoints:\n' +
        '  - { name: max, address: 100, type: uint16, scale: 0.001, field: cellVoltageMaxV }\n' +
        '  - { name: min, address: 105, type: uint16, scale: 0.001, field: cellVoltageMinV }\n',
    );
    try {
      const ctx = new RecordingContext('pack-holes', 'battery');
      const driver = await started(tcpConfig(own.port, { map: mapFile, max_gap: 10 }), ctx);
      expect(driver.requests).toHaveLength(1);
      await waitFor(() => ctx.readings.length >= 2, 5000, 'readings after the split');
      expect(driver.requests.map((r) => [r.start, r.count])).toEqual([[100, 1], [105, 1]]);
      expect(ctx.errors.map((e) => e.reason)).toEqual(['exception_IllegalDataAddress']);
      expect(ctx.readings.at(-1)?.body).toEqual({ type: 'battery', battery: { cellVoltageMaxV: 4.012, cellVoltageMinV: 3.987 } });
    } finally {
      await own.stop();
    }
  });

  it('reads input registers, coils and discrete inputs', async () => {
    const own = await startServer({
      transport: 'tcp', port: 0,
      units: { 1: { input: { 10: [0xff38] }, coil: { 0: [0, 1, 0] }, discrete: { 4: [1] } } },
    });
    const dir = mkdtempSync(join(tmpdir(), 'ev-edge-map-'));
    const mapFile = join(dir, 'tables.yaml');
    writeFileSync(
      mapFile,
      'name: tables\nkind: battery\npoints:\n' +
        '  - { name: t, table: input, address: 10, type: int16, scale: 0.1, field: tempMinC, unit: C }\n' +
        '  - { name: c0, table: coil, address: 0, type: bool, field: alarmFlags, enum: { 0: null, 1: coil_zero } }\n' +
        '  - { name: c1, table: coil, address: 1, type: bool, field: alarmFlags, enum: { 0: null, 1: contactor_open } }\n' +
        '  - { name: d4, table: discrete, address: 4, type: bool, field: alarmFlags, enum: { 0: null, 1: door_open } }\n',
    );
    try {
      const ctx = new RecordingContext('pack-tables', 'battery');
      await started(tcpConfig(own.port, { map: mapFile }), ctx);
      await waitFor(() => ctx.readings.length >= 1, 5000, 'a reading');
      expect(ctx.readings[0]?.body).toEqual({ type: 'battery', battery: { tempMinC: -20, alarmFlags: ['contactor_open', 'door_open'] } });
      expect(ctx.errors).toEqual([]);
    } finally {
      await own.stop();
    }
  });

  it('counts timeouts for a wrong unit id, goes stale, emits nothing, and does not stall another device', async () => {
    const silent = new RecordingContext('pack-wrong-unit', 'battery');
    const healthy = new RecordingContext('pack-ok', 'battery');
    await started(tcpConfig(server.port, { unit_id: 9, timeout_ms: 200, retries: 1, stale_after: 2 }), silent);
    await started(tcpConfig(server.port), healthy);
    await waitFor(() => silent.state === 'stale', 5000, 'stale');
    const healthyBefore = healthy.readings.length;
    await new Promise((r) => setTimeout(r, 1000));
    expect(silent.readings).toEqual([]);
    expect(silent.reasons()).toEqual(['timeout']);
    // Each poll: one attempt + one retry, both counted.
    expect(silent.errors.length).toBeGreaterThanOrEqual(4);
    // ~10 polls in a second at 100 ms; allow for a loaded 2-core machine.
    expect(healthy.readings.length - healthyBefore).toBeGreaterThanOrEqual(5);
    expect(healthy.state).toBe('running');
  });

  it('goes stale while the server is down and recovers with fresh values when it returns', async () => {
    const own = await startServer({ transport: 'tcp', port: 0, units: sunspecBattery(1) });
    const ctx = new RecordingContext('pack-3', 'battery');
    await started(tcpConfig(own.port, { stale_after: 2 }), ctx);
    await waitFor(() => ctx.readings.length >= 2, 5000, 'first readings');
    await own.stop();
    await waitFor(() => ctx.state === 'stale', 5000, 'stale after the server stopped');
    const frozen = ctx.readings.length;
    await new Promise((r) => setTimeout(r, 500));
    expect(ctx.readings.length).toBe(frozen); // never repeats the last values
    expect(ctx.reasons().some((r) => r === 'connection' || r === 'timeout')).toBe(true);

    const back = await startServer({ transport: 'tcp', port: own.port, units: sunspecBattery(1) });
    try {
      await waitFor(() => ctx.state === 'running', 10_000, 'running again');
      await waitFor(() => ctx.readings.length > frozen + 1, 5000, 'fresh readings');
      expect(ctx.readings.at(-1)?.body).toEqual({ type: 'battery', battery: SUNSPEC_EXPECTED });
      expect(ctx.states).toEqual(['starting', 'running', 'stale', 'running']);
    } finally {
      await back.stop();
    }
  });

  it('refuses a wrong base address: the model id check fails, nothing is emitted', async () => {
    const ctx = new RecordingContext('pack-4', 'battery');
    // Shifted by one register: reads 62 (L) where the ID (802) should be... and beyond the model.
    const server2 = await startServer({ transport: 'tcp', port: 0, units: { 1: { holding: { 40069: [0, ...new Array(64).fill(1)] } } } });
    try {
      await started(tcpConfig(server2.port, { base_address: 40069, stale_after: 1 }), ctx);
      await waitFor(() => ctx.state === 'stale', 5000, 'stale');
      expect(ctx.readings).toEqual([]);
      expect(ctx.reasons()).toEqual(['unexpected_value']);
    } finally {
      await server2.stop();
    }
  });

  it('stops cleanly: resolves, reports stopped, emits nothing afterwards', async () => {
    const ctx = new RecordingContext('pack-5', 'battery');
    const driver = await started(tcpConfig(server.port), ctx);
    await waitFor(() => ctx.readings.length >= 1, 5000, 'a reading');
    await driver.stop();
    drivers.splice(drivers.indexOf(driver), 1);
    const count = ctx.readings.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(ctx.readings.length).toBe(count);
    expect(ctx.state).toBe('stopped');
  });

  it('stops within one timeout series even while a poll is waiting on a silent unit', async () => {
    const ctx = new RecordingContext('pack-silent', 'battery');
    const driver = await started(tcpConfig(server.port, { unit_id: 9, timeout_ms: 300, retries: 1, base_address: 40070 }), ctx);
    await waitFor(() => ctx.errors.length >= 1, 5000, 'a timeout in progress');
    const t0 = Date.now();
    await driver.stop();
    drivers.splice(drivers.indexOf(driver), 1);
    expect(Date.now() - t0).toBeLessThan(2 * 300 + 500);
    expect(ctx.state).toBe('stopped');
    expect(ctx.readings).toEqual([]);
  });

  it('refuses to start a battery map on a charger device', async () => {
    const driver = new ModbusDriver(tcpConfig(server.port), { intervalMs: INTERVAL });
    await expect(driver.start(new RecordingContext('evse', 'charger'))).rejects.toThrow(/describes a battery/);
  });
});
