/**
 * The full driver against the device emulator over a REAL pseudo-terminal pair made by socat:
 * real serialport on both ends, real captured frames (JBD, Daly), injected faults, and an unplug
 * simulated by killing socat and plugging back in by starting a new pair on the same link paths.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { BatterySignals } from '../../core/record.js';
import { serialConfigSchema, type SerialConfigInput } from './config.js';
import { SerialBmsDriver } from './driver.js';
import { RecordingContext } from '../test-context.js';
import { BmsEmulator, type Answers } from './testdata/emulator.js';
import { JK_SAMPLE, jkReadAllAnswer } from './testdata/encoders.js';
import { PtyPair, sleep, socatAvailable, waitFor } from './testdata/socat.js';
import { SKIP_MESSAGE, serialDataAvailable } from './testdata/shared-data.js';

const noSocat = ' (SKIPPED: socat is not installed)';
const withData = serialDataAvailable && socatAvailable;
const why = socatAvailable ? SKIP_MESSAGE : noSocat;

interface Rig {
  pair: PtyPair;
  emulator: BmsEmulator;
  driver: SerialBmsDriver;
  ctx: RecordingContext;
}

const dirs: string[] = [];
const rigs: Rig[] = [];

async function rig(protocol: 'jbd' | 'daly' | 'jk', extra: Partial<SerialConfigInput> = {}, answers?: Answers): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'ev-edge-serial-'));
  dirs.push(dir);
  const pair = new PtyPair(dir);
  await pair.start();
  const emulator = new BmsEmulator(protocol, pair.devicePath, 9600, answers);
  await emulator.open();
  const config = serialConfigSchema.parse({
    protocol, path: pair.hostPath, request_timeout_ms: 800, reconnect_min_ms: 100, reconnect_max_ms: 400, ...extra,
  });
  const driver = new SerialBmsDriver(config, 100);
  const ctx = new RecordingContext();
  const r = { pair, emulator, driver, ctx };
  rigs.push(r);
  return r;
}

const battery = (ctx: RecordingContext, i: number): BatterySignals => {
  const body = ctx.readings[i]?.body;
  if (body?.type !== 'battery') throw new Error(`reading ${i} is not a battery reading`);
  return body.battery;
};

/** Waits until `n` more readings than `from` have been emitted. */
const readingsAfter = (ctx: RecordingContext, from: number, n: number, ms = 15_000) =>
  waitFor(`${n} readings after ${from} (errors: ${JSON.stringify(ctx.reasonCounts())})`, () => ctx.readings.length >= from + n, ms);

afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.driver.stop();
    await r.emulator.close();
    await r.pair.kill();
  }
});

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!withData)(`SerialBmsDriver over a socat pty pair, real captured frames${why}`, () => {
  it('JBD: one hardware record per cycle with the values of the real captures', async () => {
    const { driver, ctx, emulator } = await rig('jbd');
    await driver.start(ctx);
    await readingsAfter(ctx, 0, 3);
    const first = ctx.readings[0];
    expect(first?.source).toBe('hardware');
    expect(typeof first?.ts).toBe('number');
    const b = battery(ctx, 0);
    expect(b).toMatchObject({
      packVoltageV: 15.6, packCurrentA: 0, socPct: 100, remainingCapacityAh: 4.98, fullCapacityAh: 5, cycleCount: 0,
      tempMinC: 21.7, tempMaxC: 22.4, chargingState: 'idle', alarmFlags: [],
    });
    // The emulator alternates the two real 0x04 captures.
    const cellSets = [0, 1, 2].map((i) => battery(ctx, i).cellVoltagesV);
    expect(cellSets).toContainEqual([3.909, 3.901, 3.895, 3.901]);
    expect(cellSets).toContainEqual([3.909, 3.902, 3.895, 3.901]);
    expect(emulator.requests.get(0x03)).toBeGreaterThanOrEqual(3);
    expect(ctx.errors).toEqual([]);
    expect(ctx.state).toBe('running');
  });

  it('JBD: garbage and corrupted checksums are counted, and the driver recovers', async () => {
    const { driver, ctx, emulator } = await rig('jbd');
    await driver.start(ctx);
    await readingsAfter(ctx, 0, 1);
    emulator.garbageAnswers = 3;
    let n = ctx.readings.length;
    await readingsAfter(ctx, n, 4);
    expect(ctx.count('garbage')).toBeGreaterThanOrEqual(3);
    emulator.corruptAnswers = 2;
    await waitFor('bad checksums', () => ctx.count('bad_checksum') >= 2);
    n = ctx.readings.length;
    await readingsAfter(ctx, n, 3);
    for (let i = n; i < ctx.readings.length; i++) expect(battery(ctx, i).packVoltageV).toBe(15.6);
    expect(ctx.state).toBe('running');
  });

  it('JBD: a truncated answer is held, then discarded on the request timeout, and polling goes on', async () => {
    const { driver, ctx, emulator } = await rig('jbd');
    await driver.start(ctx);
    await readingsAfter(ctx, 0, 1);
    emulator.truncateAnswers = 1;
    await waitFor('truncated_frame', () => ctx.count('truncated_frame') === 1);
    expect(ctx.count('timeout')).toBe(1);
    const n = ctx.readings.length;
    await readingsAfter(ctx, n, 2);
    expect(battery(ctx, n + 1).packVoltageV).toBe(15.6);
    expect(ctx.count('bad_checksum')).toBe(0); // a half frame is never mistaken for a whole one
  });

  it('JBD: answers delivered in small slow pieces are reassembled', async () => {
    const { driver, ctx, emulator } = await rig('jbd');
    emulator.chunkBytes = 4;
    emulator.chunkDelayMs = 8;
    await driver.start(ctx);
    await readingsAfter(ctx, 0, 2);
    expect(battery(ctx, 1).packVoltageV).toBe(15.6);
    expect(ctx.errors).toEqual([]);
  });

  it('silence: timeouts are counted, the state goes stale, nothing is repeated, then it recovers', async () => {
    const { driver, ctx, emulator } = await rig('jbd', { stale_after_timeouts: 2 });
    await driver.start(ctx);
    await readingsAfter(ctx, 0, 1);
    emulator.silent = true;
    await waitFor('stale', () => ctx.state === 'stale');
    expect(ctx.count('timeout')).toBeGreaterThanOrEqual(2);
    const frozen = ctx.readings.length;
    await sleep(700);
    expect(ctx.readings.length).toBe(frozen); // no record without a fresh answer
    emulator.silent = false;
    await readingsAfter(ctx, frozen, 2);
    expect(ctx.state).toBe('running');
  });

  it('unplug (socat killed): port_closed counted, no crash, recovery on a new pair at the same path', async () => {
    const { driver, ctx, emulator, pair } = await rig('jbd');
    await driver.start(ctx);
    await readingsAfter(ctx, 0, 2);
    await pair.kill();
    await waitFor('port_closed', () => ctx.count('port_closed') === 1);
    expect(ctx.state).toBe('stale');
    await waitFor('failed reopen attempts', () => ctx.count('port_open_failed') >= 2);
    const unplugged = ctx.readings.length;
    await emulator.close();
    await pair.start();
    await emulator.open();
    await readingsAfter(ctx, unplugged, 2);
    expect(ctx.state).toBe('running');
    expect(battery(ctx, ctx.readings.length - 1).packVoltageV).toBe(15.6);
    expect(ctx.count('port_closed')).toBe(1);
  });

  it('Daly: the real frames of one cycle (incl. 6-frame cell voltages) make one record', async () => {
    const { driver, ctx, emulator } = await rig('daly');
    await driver.start(ctx);
    await readingsAfter(ctx, 0, 2);
    const b = battery(ctx, 1);
    expect(b).toMatchObject({
      packVoltageV: 53.2, packCurrentA: 2.1, socPct: 88.8, cellVoltageMinV: 3.326, cellVoltageMaxV: 3.328,
      remainingCapacityAh: 172.76, cycleCount: 3, chargingState: 'idle', tempMinC: 22, tempMaxC: 25, alarmFlags: [],
    });
    expect(b.cellVoltagesV).toHaveLength(16);
    expect(b.cellVoltagesV?.[15]).toBe(3.324);
    expect(emulator.requests.get(0x95)).toBeGreaterThanOrEqual(2);
    expect(ctx.errors).toEqual([]);
  });

  it('an RS485 adapter echoing our requests: echoes are counted as unexpected and never decoded', async () => {
    for (const protocol of ['jbd', 'daly', 'jk'] as const) {
      const { driver, ctx, emulator } = await rig(protocol);
      emulator.echo = true;
      await driver.start(ctx);
      await readingsAfter(ctx, 0, 2);
      expect(ctx.count('unexpected_frame')).toBeGreaterThanOrEqual(2);
      expect(ctx.reasons()).toEqual(['unexpected_frame']);
      expect(battery(ctx, 1).packVoltageV).toBe({ jbd: 15.6, daly: 53.2, jk: 13.21 }[protocol]);
      await driver.stop();
    }
  });
});

// These need no third-party data (the JK emulator uses our own encoder): they run on a fresh clone.
describe.skipIf(!socatAvailable)(`SerialBmsDriver over a socat pty pair, encoded JK frames${socatAvailable ? '' : noSocat}`, () => {
  it('probe() is true for an openable port and false for a missing one', async () => {
    const { driver, pair } = await rig('jk');
    expect(await driver.probe()).toBe(true);
    const missing = new SerialBmsDriver(serialConfigSchema.parse({ protocol: 'jk', path: `${pair.hostPath}-absent` }), 1000);
    expect(await missing.probe()).toBe(false);
  });

  it('JK (encoded frames, 115200 baud): one read-all answer per record', async () => {
    const { driver, ctx } = await rig('jk');
    expect(driver.config.baud_rate).toBe(115200);
    await driver.start(ctx);
    await readingsAfter(ctx, 0, 2);
    expect(battery(ctx, 0)).toMatchObject({
      packVoltageV: 13.21, packCurrentA: 12.34, socPct: 67, cycleCount: 42, chargingState: 'charging',
      cellVoltagesV: [3.301, 3.305, 3.299, 3.31], tempMinC: -3, tempMaxC: 24, alarmFlags: ['cell_overvoltage', 'low_capacity'],
    });
    expect(ctx.errors).toEqual([]);
  });

  it('JK protocol version 0 at -1/-2 degC: the record lacks the current, and refused_value names it', async () => {
    const answers: Answers = new Map([[0x06, [[jkReadAllAnswer({ ...JK_SAMPLE, protocolVersion: 0, currentRaw: 11000, tempRaw: [100, 101] })]]]]);
    const { driver, ctx } = await rig('jk', {}, answers);
    await driver.start(ctx);
    await readingsAfter(ctx, 0, 1);
    const b = battery(ctx, 0);
    expect(b).toMatchObject({ packVoltageV: 13.21, tempMinC: -2, tempMaxC: -1 });
    expect(b.packCurrentA).toBeUndefined();
    expect(b.powerW).toBeUndefined();
    expect(b.chargingState).toBeUndefined();
    const refused = ctx.errors.filter((e) => e.reason === 'refused_value');
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused[0]?.detail).toMatchObject({ frame: 'jk read-all (0x06)', field: '0x84 current', raw: 11000 });
  });

  it('JK: unplug (socat killed): port_closed counted, no crash, recovery on a new pair at the same path', async () => {
    const { driver, ctx, emulator, pair } = await rig('jk');
    await driver.start(ctx);
    await readingsAfter(ctx, 0, 2);
    await pair.kill();
    await waitFor('port_closed', () => ctx.count('port_closed') === 1);
    expect(ctx.state).toBe('stale');
    await waitFor('failed reopen attempts', () => ctx.count('port_open_failed') >= 2);
    const unplugged = ctx.readings.length;
    await emulator.close();
    await pair.start();
    await emulator.open();
    await readingsAfter(ctx, unplugged, 2);
    expect(ctx.state).toBe('running');
    expect(battery(ctx, ctx.readings.length - 1).packVoltageV).toBe(13.21);
    expect(ctx.count('port_closed')).toBe(1);
  });

  it('stop() releases the port: nothing is emitted afterwards and the port can be reopened', async () => {
    const { driver, ctx, pair } = await rig('jk');
    await driver.start(ctx);
    await readingsAfter(ctx, 0, 1);
    await driver.stop();
    const after = ctx.readings.length;
    expect(ctx.state).toBe('stopped');
    await sleep(400);
    expect(ctx.readings.length).toBe(after);
    const again = new SerialBmsDriver(serialConfigSchema.parse({ protocol: 'jk', path: pair.hostPath }), 1000);
    expect(await again.probe()).toBe(true); // the exclusive lock was released
  });
});
