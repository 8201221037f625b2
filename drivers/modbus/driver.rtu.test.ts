/**
 * The whole driver over Modbus RTU: modbus-serial on one end of a socat pseudo-terminal pair,
 * pymodbus's RTU server on the other. Real framing (CRC, unit addressing, silence on a wrong id).
 */
import { dirname } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { modbusConfigSchema, type ModbusConfig } from './config.js';
import { ModbusDriver } from './driver.js';
import {
  haveSocat, havePymodbus, RecordingContext, startPtyPair, startServer, waitFor, type PtyPair, type RunningServer,
} from './testdata/harness.js';
import { ABB_EXPECTED, abbTerraCharging } from './testdata/images.js';

const INTERVAL = 100;
const BAUD = 19200;

describe.skipIf(!havePymodbus || !haveSocat)('ModbusDriver over RTU on a pty pair (needs socat and python3-pymodbus)', () => {
  let pty: PtyPair;
  let server: RunningServer | undefined;
  const drivers: ModbusDriver[] = [];
  const rtuConfig = (extra: Partial<Record<keyof ModbusConfig, unknown>> = {}): ModbusConfig =>
    modbusConfigSchema.parse({ transport: 'rtu', path: pty.a, baud_rate: BAUD, unit_id: 3, timeout_ms: 300, retries: 1, map: 'abb-terra-ac', ...extra });
  const serve = () => startServer({ transport: 'rtu', device: pty.b, baudrate: BAUD, units: abbTerraCharging(3) });
  const started = async (config: ModbusConfig, ctx: RecordingContext) => {
    const driver = new ModbusDriver(config, { intervalMs: INTERVAL });
    drivers.push(driver);
    await driver.start(ctx);
    return driver;
  };

  beforeAll(async () => {
    pty = await startPtyPair();
    server = await serve();
  });
  afterEach(async () => {
    await Promise.all(drivers.splice(0).map((d) => d.stop()));
  });
  afterAll(async () => {
    await server?.stop();
    await pty?.stop();
  });

  it('probes the charger', async () => {
    expect(await new ModbusDriver(rtuConfig(), { intervalMs: INTERVAL }).probe()).toBe(true);
  });

  it('polls the ABB Terra AC map into canonical charger records', async () => {
    const ctx = new RecordingContext('evse-1', 'charger');
    await started(rtuConfig(), ctx);
    await waitFor(() => ctx.readings.length >= 3, 5000, 'three readings');
    for (const reading of ctx.readings) {
      expect(reading).toEqual({ source: 'hardware', body: { type: 'charger', charger: ABB_EXPECTED } });
    }
    expect(ctx.errors).toEqual([]);
    expect(ctx.state).toBe('running');
  });

  it('shares the serial port between two devices on the bus; a silent unit id times out alone', async () => {
    const good = new RecordingContext('evse-good', 'charger');
    const silent = new RecordingContext('evse-silent', 'charger');
    await started(rtuConfig(), good);
    await started(rtuConfig({ unit_id: 4, timeout_ms: 150, retries: 0, stale_after: 2 }), silent);
    await waitFor(() => silent.state === 'stale' && good.readings.length >= 3, 8000, 'one stale, one running');
    expect(silent.readings).toEqual([]);
    expect(silent.reasons()).toEqual(['timeout']);
    expect(good.state).toBe('running');
    expect(good.readings.at(-1)?.body).toEqual({ type: 'charger', charger: ABB_EXPECTED });
  });

  it('goes stale when the server stops answering and recovers when it returns', async () => {
    const ctx = new RecordingContext('evse-2', 'charger');
    await started(rtuConfig({ stale_after: 2 }), ctx);
    await waitFor(() => ctx.readings.length >= 2, 5000, 'first readings');
    await server?.stop();
    server = undefined;
    await waitFor(() => ctx.state === 'stale', 5000, 'stale');
    const frozen = ctx.readings.length;
    await new Promise((r) => setTimeout(r, 400));
    expect(ctx.readings.length).toBe(frozen);
    expect(ctx.reasons()).toContain('timeout');
    server = await serve();
    await waitFor(() => ctx.state === 'running' && ctx.readings.length > frozen, 10_000, 'recovery');
    expect(ctx.readings.at(-1)?.body).toEqual({ type: 'charger', charger: ABB_EXPECTED });
  });

  it('reconnects after the serial port itself disappears and comes back (adapter unplugged)', async () => {
    const ctx = new RecordingContext('evse-3', 'charger');
    await started(rtuConfig({ stale_after: 2 }), ctx);
    await waitFor(() => ctx.readings.length >= 2, 5000, 'first readings');
    const dir = dirname(pty.a);
    await server?.stop();
    await pty.stop();
    await waitFor(() => ctx.state === 'stale', 5000, 'stale');
    await waitFor(() => ctx.reasons().includes('connection'), 5000, 'a connection error');
    const frozen = ctx.readings.length;
    pty = await startPtyPair(dir);
    server = await serve();
    await waitFor(() => ctx.state === 'running' && ctx.readings.length > frozen, 10_000, 'recovery on the new port');
    expect(ctx.readings.at(-1)?.body).toEqual({ type: 'charger', charger: ABB_EXPECTED });
  });

  it('refuses a second device on the same port with other serial settings', async () => {
    await started(rtuConfig(), new RecordingContext('evse-a', 'charger'));
    const other = new ModbusDriver(rtuConfig({ baud_rate: 9600 }), { intervalMs: INTERVAL });
    await expect(other.start(new RecordingContext('evse-b', 'charger'))).rejects.toThrow(/already open as 19200/);
  });
});
