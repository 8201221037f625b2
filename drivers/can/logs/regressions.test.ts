/**
 * Regression tests for issue 12 §2 ("real counterparts disagree"): CAN log layouts that real tools
 * write and that the readers used to get silently wrong. Each test failed before its fix.
 */
import { describe, expect, it } from 'vitest';
import type { LogFormatError, LogLineError } from '../errors.js';
import type { LogFormat, LogFrame } from './log-frame.js';
import { readLogText } from './read-log.js';

function read(text: string, format?: LogFormat): { frames: LogFrame[]; errors: (LogLineError | LogFormatError)[] } {
  const errors: (LogLineError | LogFormatError)[] = [];
  const frames = [...readLogText(text, format, (e) => errors.push(e))];
  return { frames, errors };
}
const bytes = (f: LogFrame | undefined): number[] => [...(f?.data ?? [])];

describe('issue 12 §2 regressions', () => {
  it('SavvyCAN/GVRET CSV without a Dir column: LEN is read from the header, not from the 5th column', () => {
    // Older SavvyCAN and GVRET write "Time Stamp,ID,Extended,Bus,LEN,D1.." (FrameFileIO v1 layout).
    const { frames, errors } = read(
      ['Time Stamp,ID,Extended,Bus,LEN,D1,D2,D3,D4,D5,D6,D7,D8', '39747828,000005EB,false,0,3,E8,45,85,00,00,00,00,00,'].join('\n'),
      'gvret',
    );
    expect(errors).toEqual([]);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ id: 0x5eb, extended: false });
    expect(bytes(frames[0])).toEqual([0xe8, 0x45, 0x85]);
  });

  it('a CSV without a header line is refused once, naming the cause', () => {
    const { frames, errors } = read('39747828,000005EB,false,0,3,E8,45,85\n39747829,000005EB,false,0,3,E8,45,85\n', 'gvret');
    expect(frames).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/header/);
  });

  it('Vector ASC "base dec": data bytes are decimal too', () => {
    const { frames, errors } = read(['base dec  timestamps absolute', '   0.010000 1  1169  Rx   d 3 10 255 7', '   0.020000 1  1169  Rx   d 2 10 20'].join('\n'), 'asc');
    expect(errors).toEqual([]);
    expect(frames).toHaveLength(2);
    expect(frames[0]?.id).toBe(1169);
    expect(bytes(frames[0])).toEqual([10, 255, 7]);
    expect(bytes(frames[1])).toEqual([10, 20]); // was silently [0x10, 0x20] = [16, 32]
  });

  it('candump -L: the _F len8_dlc suffix of an 8-byte classic frame is accepted', () => {
    const { frames, errors } = read('(1436509052.249713) can0 123#1122334455667788_E\n(1436509052.249714) can0 123#R8_F\n', 'candump');
    expect(errors).toEqual([]);
    expect(frames).toHaveLength(1);
    expect(bytes(frames[0])).toEqual([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
  });

  it('an unsupported format (BusMaster) is refused once per file, by name', () => {
    const busmaster = [
      '***BUSMASTER Ver 3.2.2***',
      '***PROTOCOL CAN***',
      '***<Time><Tx/Rx><Channel><CAN ID><Type><DLC><DataBytes>***',
      '11:49:12:9420 Rx 1 0x023 s 1 40',
      '11:49:12:9440 Rx 1 0x460 s 8 03 E0 00 00 C0 00 00 00',
    ].join('\n');
    const { frames, errors } = read(busmaster, 'candump');
    expect(frames).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain('BusMaster');
  });

  it('a PCAN-View .trc file is read (version 2.1)', () => {
    const trc = [
      ';$FILEVERSION=2.1',
      ';$STARTTIME=45238.8868171296',
      ';$COLUMNS=N,O,T,B,I,d,R,L,D',
      ';',
      '      1      1059.900 DT 1      0300 Rx -  7    00 00 00 00 04 00 00',
      '      2      1283.231 DT 1  18EFC8E2 Tx -  2    01 02',
    ].join('\r\n');
    const { frames, errors } = read(trc, 'trc' as LogFormat);
    expect(errors).toEqual([]);
    expect(frames.map((f) => [f.id, f.extended, bytes(f).length])).toEqual([
      [0x300, false, 7],
      [0x18efc8e2, true, 2],
    ]);
  });
});
