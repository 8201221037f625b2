import { describe, expect, it } from 'vitest';
import type { LogFormatError, LogLineError } from '../errors.js';
import { CAN_DATA_NOTE, HAVE_CAN_DATA, canData } from '../testdata/shared-data.js';
import { parseAscDate } from './asc.js';
import type { LogFormat, LogFrame } from './log-frame.js';
import { readLogFile, readLogText } from './read-log.js';

function read(text: string, format: LogFormat): { frames: LogFrame[]; errors: (LogLineError | LogFormatError)[] } {
  const errors: (LogLineError | LogFormatError)[] = [];
  const frames = [...readLogText(text, format, (e) => errors.push(e))];
  return { frames, errors };
}
const hex = (d: Uint8Array): string => Buffer.from(d).toString('hex').toUpperCase();

describe('candump -L', () => {
  it('reads standard, extended, CAN FD and remote frames; counts bad lines with their numbers', () => {
    const { frames, errors } = read(
      [
        '(1436509052.249713) vcan0 044#2A366C2BBA',
        '(1436509052.250000) can1 18FF50E5#0102030405060708',
        '(1436509053.000000) vcan0 123##1112233445566778899AABBCC',
        '(1436509053.100000) vcan0 123#R',
        '(1436509053.200000) vcan0 7FF#',
        'garbage here',
        '(1436509053.300000) vcan0 1234#00',
        '(1436509053.400000) vcan0 123#ABC',
        '(1436509053.500000) vcan0 123#000102030405060708',
        '',
      ].join('\n'),
      'candump',
    );
    expect(frames.map((f) => [f.id, f.extended, hex(f.data)])).toEqual([
      [0x044, false, '2A366C2BBA'],
      [0x18ff50e5, true, '0102030405060708'],
      [0x123, false, '112233445566778899AABBCC'],
      [0x7ff, false, ''],
    ]);
    expect(frames[0]?.tsMs).toBeCloseTo(1436509052249.713, 3);
    expect(frames.every((f) => f.absolute)).toBe(true);
    expect(errors.map((e) => e.line)).toEqual([6, 7, 8, 9]);
    expect(errors[1]?.reason).toContain('3 (standard) or 8 (extended)');
    expect(errors[3]?.message).toMatch(/^candump line 9: payload of 9 bytes/);
  });
});

describe('SavvyCAN / GVRET CSV', () => {
  it('reads rows after the header, relative microseconds, extended flag', () => {
    const { frames, errors } = read(
      [
        'Time Stamp,ID,Extended,Dir,Bus,LEN,D1,D2,D3,D4,D5,D6,D7,D8',
        '166064000,0000021A,false,Rx,0,8,FE,36,12,FE,69,05,07,AD,',
        '166065000,18FF50E5,true,Rx,1,3,01,2,03,',
        '166066000,0000021A,maybe,Rx,0,1,FE,',
        '166067000,0000021A,false,Rx,0,4,FE,36,',
        'x,1,false',
      ].join('\r\n'),
      'gvret',
    );
    expect(frames.map((f) => [f.tsMs, f.absolute, f.id, f.extended, hex(f.data)])).toEqual([
      [166064, false, 0x21a, false, 'FE3612FE690507AD'],
      [166065, false, 0x18ff50e5, true, '010203'],
    ]);
    expect(errors.map((e) => [e.line, e.reason])).toEqual([
      [4, 'Extended must be true or false, found "maybe"'],
      [5, 'expected 4 data bytes'],
      [6, 'expected at least 6 comma-separated columns, found 3'],
    ]);
  });
});

describe('Vector ASC', () => {
  it('reads Vector-style dates, dec/hex bases, relative (delta) times, extended ids and CANFD rows', () => {
    const { frames, errors } = read(
      [
        'date Wed Nov 8 09:17:01.500 pm 2023',
        'base dec  timestamps relative',
        'internal events logged',
        '// version 13.0.0',
        'Begin Triggerblock Wed Nov 8 09:17:01.500 pm 2023',
        '   0.000000 Start of measurement',
        '   0.100000 1  1169             Rx   d 8 76 0 0 0 0 0 0 15  Length = 240000 BitCount = 124 ID = 1169',
        '   0.050000 1  419385573x       Rx   d 2 01 02',
        '   0.010000 1  ErrorFrame',
        '   0.010000 CANFD   1 Rx        1169  BMS_491                          1 0 9 12 1 2 3 4 5 6 7 8 9 10 11 12',
        '   0.010000 1  1169             Rx   d 8 76 0',
        '   0.010000 1  1169             Rx   r',
        'this is not asc',
        'End TriggerBlock',
      ].join('\n'),
      'asc',
    );
    const start = Date.UTC(2023, 10, 8, 21, 17, 1, 500);
    expect(frames.map((f) => [f.tsMs - start, f.id, f.extended, hex(f.data)])).toEqual([
      [100, 1169, false, '4C0000000000000F'],
      [150, 419385573, true, '0102'],
      [170, 1169, false, '0102030405060708090A0B0C'],
    ]);
    expect(frames.every((f) => f.absolute)).toBe(true);
    expect(errors.map((e) => e.line)).toEqual([11, 13]);
  });

  it('falls back to relative times without a date line', () => {
    const { frames } = read('base hex timestamps absolute\n 1.5 1 491 Rx d 1 FF\n', 'asc');
    expect(frames).toEqual([{ tsMs: 1500, absolute: false, id: 0x491, extended: false, data: Uint8Array.from([255]) }]);
    expect(parseAscDate('Wed, 08 Nov 2023 21:17:01 GMT')).toBe(Date.UTC(2023, 10, 8, 21, 17, 1));
    expect(parseAscDate('Thu Jan 4 12:05:09 am 2024')).toBe(Date.UTC(2024, 0, 4, 0, 5, 9));
    expect(parseAscDate('not a date')).toBeUndefined();
  });

});

describe.skipIf(!HAVE_CAN_DATA)(`the real Kona ASC log${CAN_DATA_NOTE}`, () => {
  it('streams all 543 frames with absolute times from its date line and no bad lines', async () => {
    const errors: (LogLineError | LogFormatError)[] = [];
    const frames: LogFrame[] = [];
    for await (const f of readLogFile(canData('kona_bms_idle.asc'), 'asc', (e) => errors.push(e))) frames.push(f);
    expect(errors).toEqual([]);
    // 547 lines - 4 header/footer lines (checked with awk on the file).
    expect(frames).toHaveLength(543);
    // date Wed, 08 Nov 2023 21:17:01 GMT; first row "   0.083540 0  594 Rx d 8 34 21 34 21 A0 62 01 20"
    expect(frames[0]).toMatchObject({ id: 0x594, extended: false, absolute: true });
    expect(frames[0]?.tsMs).toBeCloseTo(Date.UTC(2023, 10, 8, 21, 17, 1) + 83.54, 3);
    expect(hex(frames[0]?.data ?? new Uint8Array())).toBe('34213421A0620120');
    expect(frames.at(-1)).toMatchObject({ id: 0x5d8 });
    // Frames per id (awk '{print $3}' kona_bms_idle.asc | sort | uniq -c): the 10 Hz BMS broadcasts
    // 28 times each in 2.8 s, three 1 Hz messages 3 times, one OBD-II request/answer pair.
    const perId = new Map<number, number>();
    for (const f of frames) perId.set(f.id, (perId.get(f.id) ?? 0) + 1);
    const tenHz = [0x491, 0x493, 0x4dd, 0x4de, 0x4e2, 0x542, 0x594, 0x595, 0x596, 0x597, 0x598, 0x599, 0x59c, 0x59e, 0x5a3, 0x5d5, 0x5d6, 0x5d7, 0x5d8];
    expect(Object.fromEntries(perId)).toEqual({
      ...Object.fromEntries(tenHz.map((id) => [id, 28])),
      [0x3f6]: 3, [0x497]: 3, [0x498]: 3, [0x7e4]: 1, [0x7ec]: 1,
    });
    expect((frames.at(-1)?.tsMs ?? 0) - (frames[0]?.tsMs ?? 0)).toBeCloseTo(2787.84 - 83.54, 3);
  });
});
