import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { ManualClock } from '../../core/clock.js';
import { CanDriver } from './can-driver.js';
import { canConfigSchema, type CanConfig } from './config.js';
import { CanMappingError, DbcSyntaxError } from './errors.js';
import { CAN_DATA_NOTE, HAVE_CAN_DATA, canData } from './testdata/shared-data.js';
import { recordingContext } from './testdata/fake-context.js';

const dir = mkdtempSync(join(tmpdir(), 'ev-edge-can-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const config = (raw: unknown): CanConfig => canConfigSchema.parse(raw);

const KONA_MAP = {
  packVoltageV: 'Batt_HV_Status.VBatt',
  packCurrentA: { signal: 'Batt_HV_Status.IBatt', scale: -1 },
  socPct: 'SocDisp',
};

describe.skipIf(!HAVE_CAN_DATA)(`replaying the real Kona log through the driver${CAN_DATA_NOTE}`, () => {
  const konaConfig = (replay: Record<string, unknown>): CanConfig =>
    config({ replay: { file: canData('kona_bms_idle.asc'), ...replay }, dbc: canData('hyundai_kona_pcan.dbc'), map: KONA_MAP });

  async function replayToEnd(speed: number) {
    const ctx = recordingContext();
    // Pacing waits advance the test's ManualClock instead of real time.
    const clock = ctx.clock as ManualClock;
    const sleep = async (ms: number): Promise<void> => clock.advance(ms);
    const driver = new CanDriver({ config: konaConfig({ speed }), intervalMs: 1000, sleep });
    expect(await driver.probe()).toBe(true);
    const finished = new Promise<void>((resolve) => {
      const setState = ctx.setState.bind(ctx);
      ctx.setState = (s) => (setState(s), s === 'stopped' && resolve());
    });
    await driver.start(ctx);
    await finished;
    await driver.stop();
    return { ctx, driver, pacedMs: clock.monotonic() };
  }

  it('emits one record per second of log time with the pack values and log timestamps', async () => {
    const { ctx, driver } = await replayToEnd(0);
    // The log spans 0.0835 s .. 2.7878 s: cuts at 1 s and 2 s of log time, and one at the end (3 s).
    const start = Date.UTC(2023, 10, 8, 21, 17, 1) + 83.54;
    expect(ctx.readings.map((r) => Math.round((r.ts ?? 0) - start))).toEqual([1000, 2000, 3000]);
    for (const r of ctx.readings) {
      expect(r.source).toBe('replay');
      // 0x595 "0B 00 B8 B8 00 00 18 0E": VBatt = 0x0E18 * 0.1 = 360.8 V, IBatt = 0; 0x542 byte0 0x65 * 0.5 = 50.5 %.
      expect(r.body).toEqual({ type: 'battery', battery: { packVoltageV: 360.8, packCurrentA: 0, socPct: 50.5, powerW: 0 } });
    }
    expect(ctx.states).toEqual(['starting', 'running', 'stopped']);
    expect(ctx.errors).toEqual([]);
    // Every id in the log but the two OBD-II diagnostic frames (0x7E4 request, 0x7EC answer) is in the DBC.
    expect(driver.stats?.decodedFrames).toBe(541);
    expect([...(driver.stats?.unknownIds ?? [])]).toEqual([[0x7e4, 1], [0x7ec, 1]]);
    // evedge_driver_inputs_total: python-can reads 543 data frames in this log.
    expect(ctx.inputs).toEqual({ frames_received: 543, frames_decoded: 541, frames_unknown_id: 2 });
  });

  it('paces frames on the monotonic clock at speed 1 and 4, with the same records as full speed', async () => {
    const fast = await replayToEnd(0);
    expect(fast.pacedMs).toBe(0);
    // The log spans 2787.84 - 83.54 = 2704.3 ms: replay takes that long at speed 1, a quarter at 4
    // (within 1 ms: waits shorter than 1 ms are skipped, the next frame catches up).
    const recorded = await replayToEnd(1);
    expect(Math.abs(recorded.pacedMs - 2704.3)).toBeLessThan(1);
    const quick = await replayToEnd(4);
    expect(Math.abs(quick.pacedMs - 2704.3 / 4)).toBeLessThan(1);
    expect(recorded.ctx.readings).toEqual(fast.ctx.readings);
    expect(quick.ctx.readings).toEqual(fast.ctx.readings);
  });

  it('loops with ever-increasing timestamps until stopped', async () => {
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const ctx = recordingContext('battery', () => ctx.readings.length >= 7 && stop());
    const driver = new CanDriver({ config: konaConfig({ speed: 0, loop: true }), intervalMs: 1000 });
    await driver.start(ctx);
    await stopped;
    await driver.stop();
    const ts = ctx.readings.map((r) => r.ts ?? 0);
    expect(ts.length).toBeGreaterThanOrEqual(7);
    for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeGreaterThan(ts[i - 1] as number);
    expect(ctx.readings.every((r) => r.body.type === 'battery' && r.body.battery.packVoltageV === 360.8)).toBe(true);
  });

  it('restarts cleanly when start() is called again without stop()', async () => {
    const ctx = recordingContext();
    const driver = new CanDriver({ config: konaConfig({ speed: 0, loop: true }), intervalMs: 1000 });
    await driver.start(ctx);
    await driver.start(ctx); // the first looping replay must be stopped, not left running beside the second
    await vi.waitFor(() => expect(ctx.readings.length).toBeGreaterThanOrEqual(4), { timeout: 10_000 });
    await driver.stop();
    const ts = ctx.readings.map((r) => r.ts ?? 0);
    // One replay only: timestamps strictly increase (two interleaved replays would repeat them).
    for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeGreaterThan(ts[i - 1] as number);
  });

  it('rejects mappings that do not fit the DBC or the device kind with a typed error', async () => {
    const start = (map: Record<string, unknown>, kind: 'battery' | 'charger' = 'battery') =>
      new CanDriver({ config: config({ replay: { file: canData('kona_bms_idle.asc') }, dbc: canData('hyundai_kona_pcan.dbc'), map }), intervalMs: 1000 }).start(recordingContext(kind));
    await expect(start({ packCurrentA: 'IBatt' })).rejects.toThrow(/map.packCurrentA: signal "IBatt" is in several messages \(Batt_HV_Status, BMS_5D6\)/);
    await expect(start({ socPct: 'NoSuchSignal' })).rejects.toBeInstanceOf(CanMappingError);
    await expect(start({ socPct: 'SocDisp' }, 'charger')).rejects.toThrow(/map.socPct: not a charger field/);
  });
});

describe('replay from synthetic logs', () => {
  const dbc = file('pack.dbc', 'BO_ 256 Pack: 4 BMS\n SG_ Volts : 0|16@1+ (0.1,0) [0|0] "V" X\n SG_ Amps : 16|16@1- (0.1,0) [0|0] "A" X\n');

  it('drops a signal older than signal_max_age_ms, goes stale when nothing is fresh, recovers', async () => {
    // Volts+Amps at 0.0 and 0.5 s, an unrelated id at 4.2 s, Pack again at 4.5 s. Cuts every 1 s.
    const log = file('gap.log', [
      '(1700000000.000) can0 100#E80E0A00', // 0x0EE8 = 3816 -> 381.6 V; 0x000A = 10 -> 1.0 A
      '(1700000000.500) can0 100#E90EF6FF', // 381.7 V; 0xFFF6 = -10 -> -1.0 A
      'not a frame',
      '(1700000004.200) can0 200#00',
      '(1700000004.500) can0 100#EA0E0000', // 381.8 V, 0 A
    ].join('\n'));
    const ctx = recordingContext();
    const driver = new CanDriver({ config: config({ replay: { file: log, speed: 0 }, dbc, map: { packVoltageV: 'Volts', packCurrentA: 'Amps' }, signal_max_age_ms: 1500 }), intervalMs: 1000 });
    const done = new Promise<void>((resolve) => {
      ctx.setState = ((orig) => (s: Parameters<typeof orig>[0]) => (orig(s), s === 'stopped' && resolve()))(ctx.setState.bind(ctx));
    });
    await driver.start(ctx);
    await done;
    await driver.stop();
    // Cuts at 1 s, 2 s (last value 1.5 s old: still fresh), 3 s and 4 s (stale: nothing emitted), 5 s (after 4.5 s).
    expect(ctx.readings.map((r) => [(r.ts ?? 0) - 1_700_000_000_000, r.body])).toEqual([
      [1000, { type: 'battery', battery: { packVoltageV: 381.7, packCurrentA: -1, powerW: -381.7 } }],
      [2000, { type: 'battery', battery: { packVoltageV: 381.7, packCurrentA: -1, powerW: -381.7 } }],
      [5000, { type: 'battery', battery: { packVoltageV: 381.8, packCurrentA: 0, powerW: 0 } }],
    ]);
    expect(ctx.states).toEqual(['starting', 'running', 'stale', 'running', 'stopped']);
    expect(ctx.errors).toEqual([{ reason: 'bad_log_line', detail: { line: 3, reason: 'not a candump -L line "(secs) iface ID#DATA"' } }]);
    expect(driver.stats?.unknownIds.get(0x200)).toBe(1);
  });

  it('counts a refused log once as bad_log_format (not once per line) and stops', async () => {
    const log = file('refused.csv', ['39747828,00000100,false,0,4,E8,0E,0A,00', '39747829,00000100,false,0,4,E9,0E,F6,FF'].join('\n'));
    const ctx = recordingContext();
    const driver = new CanDriver({ config: config({ replay: { file: log, speed: 0 }, dbc, map: { packVoltageV: 'Volts' } }), intervalMs: 1000 });
    const done = new Promise<void>((resolve) => {
      ctx.setState = ((orig) => (s: Parameters<typeof orig>[0]) => (orig(s), s === 'stopped' && resolve()))(ctx.setState.bind(ctx));
    });
    await driver.start(ctx);
    await done;
    await driver.stop();
    expect(ctx.readings).toEqual([]);
    expect(ctx.errors).toHaveLength(1);
    expect(ctx.errors[0]).toMatchObject({ reason: 'bad_log_format', detail: { line: 1 } });
    expect((ctx.errors[0]?.detail as { reason: string }).reason).toContain('CSV without a header line');
  });

  it('fails start with a DbcSyntaxError (line and column) and never reads the log', async () => {
    const bad = file('bad.dbc', 'BO_ 256 Pack: 4 BMS\n SG_ Volts : 0|16@1+ (0.1 0) [0|0] "V" X\n');
    const ctx = recordingContext();
    const driver = new CanDriver({ config: config({ replay: { file: join(dir, 'gap.log') }, dbc: bad, map: { packVoltageV: 'Volts' } }), intervalMs: 1000 });
    const err = await driver.start(ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DbcSyntaxError);
    expect(err).toMatchObject({ line: 2, column: 27 });
    expect(ctx.readings).toEqual([]);
  });

  it('probes the replay file or the network interface', async () => {
    const sys = join(dir, 'sys-class-net');
    mkdirSync(join(sys, 'can0'), { recursive: true });
    const live = (iface: string) => new CanDriver({ config: config({ interface: iface, dbc, map: { packVoltageV: 'Volts' } }), intervalMs: 1000, sysClassNet: sys });
    expect(await live('can0').probe()).toBe(true);
    expect(await live('can1').probe()).toBe(false);
    const missing = new CanDriver({ config: config({ replay: { file: join(dir, 'nope.log') }, dbc, map: { packVoltageV: 'Volts' } }), intervalMs: 1000 });
    expect(await missing.probe()).toBe(false);
    await expect(missing.start(recordingContext())).rejects.toThrow(/nope.log: replay file does not exist/);
  });
});

describe('can config schema', () => {
  const base = { dbc: 'x.dbc', map: { packVoltageV: 'V' } };
  it('needs exactly one of interface and replay, and fills defaults', () => {
    expect(canConfigSchema.safeParse(base).success).toBe(false);
    expect(canConfigSchema.safeParse({ ...base, interface: 'can0', replay: { file: 'a.log' } }).success).toBe(false);
    expect(config({ ...base, replay: { file: 'a.log' } })).toEqual({ ...base, replay: { file: 'a.log', speed: 1, loop: false }, signal_max_age_ms: 5000 });
  });
  it.each([
    [{ ...base, interface: 'can0', extra: 1 }, 'extra'],
    [{ ...base, interface: 'can0', map: {} }, 'map'],
    [{ ...base, interface: 'can0', map: { voltage: 'V' } }, 'map'],
    [{ ...base, interface: 'can0', map: { packVoltageV: { signal: 'V', scale: 0 } } }, 'map'],
    [{ ...base, interface: 'can 0' }, 'interface'],
    [{ ...base, replay: { file: 'a.log', format: 'blf' } }, 'replay'],
    [{ ...base, replay: { file: 'a.log', speed: -1 } }, 'replay'],
  ])('rejects %j (at %s)', (raw, path) => {
    const result = canConfigSchema.safeParse(raw);
    expect(result.success).toBe(false);
    // Unknown keys are reported by name (issue.keys), other problems by path.
    const where = result.error?.issues.flatMap((i) => [...i.path, ...('keys' in i ? i.keys : [])]);
    expect(where?.[0]).toBe(path);
  });
});
