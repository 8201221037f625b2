import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CAN_DATA_NOTE, HAVE_CAN_DATA, canData } from '../../drivers/can/testdata/shared-data.js';
import { decodeCommand } from './decode.js';

/** Runs the command, capturing what it writes to stdout and stderr. */
async function run(args: string[]): Promise<{ code: number; out: string[]; err: string }> {
  const out: string[] = [];
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(...String(chunk).split('\n').filter(Boolean)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  const code = await decodeCommand.run(args);
  vi.restoreAllMocks();
  return { code, out, err };
}
afterEach(() => vi.restoreAllMocks());

describe.skipIf(!HAVE_CAN_DATA)(`ev-edge decode on the real Kona log${CAN_DATA_NOTE}`, () => {
  it('prints one JSON line per frame the DBC knows, with hex ids and physical values', async () => {
    const { code, out, err } = await run(['--dbc', canData('hyundai_kona_pcan.dbc'), canData('kona_bms_idle.asc')]);
    expect(code).toBe(0);
    expect(out).toHaveLength(541); // 543 frames minus the 0x7E4/0x7EC diagnostic pair the DBC lacks
    const lines = out.map((l) => JSON.parse(l) as { ts: number; id: string; message: string; signals: Record<string, number> });
    expect(lines[0]).toEqual({
      ts: Date.UTC(2023, 10, 8, 21, 17, 1) + 83.54,
      id: '0x594',
      message: 'BatteryLimits',
      // "34 21 34 21 A0 62 01 20": 0x2134 * 0.01 = 85 kW twice; byte5 0x62 * 0.5 = 49 %; byte6 & 7 = 1 -> 0.1
      signals: { ChargeAvailable: 85, DischargeAvailable: 85, SoC_Maybe: 49, SoC_Fraction: 0.1 },
    });
    expect(lines.find((l) => l.id === '0x595')?.signals).toMatchObject({ VBatt: 360.8, IBatt: 0 });
    expect(err).toContain('543 frames, 541 decoded, 2 with ids not in the DBC (0x7E4:1 0x7EC:1), 0 bad lines');
  });
});

describe('ev-edge decode errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ev-edge-decode-'));
  it('exits 2 on bad usage and on a DBC syntax error (with line and column)', async () => {
    expect((await run(['x.log'])).code).toBe(2);
    expect((await run(['--dbc', 'a.dbc', 'x.log', '--format', 'blf'])).err).toContain('--format must be one of candump, asc, gvret');
    const dbc = join(dir, 'bad.dbc');
    writeFileSync(dbc, 'BO_ 1 M: 8 X\n SG_ S : 0|8@1+ (1,0) [0|0] "" X\nBO_ oops\n');
    const bad = await run(['--dbc', dbc, join(dir, 'x.log')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(`${dbc}:3:5: expected message id`);
  });
  it('exits 1 when nothing was decoded: no frame id in the DBC, or a refused log (issue 12 §2)', async () => {
    const dbc = join(dir, 'one.dbc');
    writeFileSync(dbc, 'BO_ 1 M: 1 X\n SG_ S : 0|8@1+ (1,0) [0|0] "" X\n');
    const unknownIds = join(dir, 'unknown.log');
    writeFileSync(unknownIds, '(1700000000.0) can0 002#07\n(1700000001.0) can0 003#08\n');
    const none = await run(['--dbc', dbc, unknownIds]);
    expect(none.code).toBe(1);
    expect(none.out).toEqual([]);
    expect(none.err).toContain('nothing decoded');
    const busmaster = join(dir, 'bm.log');
    writeFileSync(busmaster, '***BUSMASTER Ver 3.2.2***\n***PROTOCOL CAN***\n11:49:12:9420 Rx 1 0x001 s 1 40\n');
    const refused = await run(['--dbc', dbc, busmaster]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('line 1: file refused: this is a BusMaster log, which is not supported');
    expect(refused.err).not.toContain('line 3');
  });
  it('counts bad log lines with their numbers and labels values on request', async () => {
    const dbc = join(dir, 'ok.dbc');
    writeFileSync(dbc, 'BO_ 1 M: 1 X\n SG_ S : 0|8@1+ (1,0) [0|0] "" X\nVAL_ 1 S 7 "seven" ;\nBO_ 2147483905 E: 1 X\n SG_ T : 0|8@1+ (1,0) [0|0] "" X\n');
    const log = join(dir, 'x.log');
    writeFileSync(log, '(1.0) can0 001#07\nnonsense\n(2.0) can0 001#08\n(3.0) can0 00000101#09\n');
    const { code, out, err } = await run(['--dbc', dbc, log, '--labels']);
    expect(code).toBe(0);
    expect(out.map((l) => JSON.parse(l))).toEqual([
      { ts: 1000, id: '0x1', message: 'M', signals: { S: 'seven' } },
      { ts: 2000, id: '0x1', message: 'M', signals: { S: 8 } },
      { ts: 3000, id: '0x00000101', message: 'E', signals: { T: 9 } }, // 2147483905 = 0x80000101: extended 0x101
    ]);
    expect(err).toContain('candump line 2: not a candump -L line');
    expect(err).toContain('1 bad lines');
  });
});
