/**
 * CAN fuzzing: the DBC parser and the log-line parsers (candump -L and console, Vector ASC, GVRET CSV, PCAN .trc).
 * Property: parseDbc returns or throws DbcSyntaxError (nothing else, e.g. no TypeError/RangeError);
 * a log parser returns a frame, undefined or a LogLineError (it never throws at all), and every
 * frame it yields is well-formed. Real DBCs and the real Kona log are mutated when present.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDbc } from '../../drivers/can/dbc-parser.js';
import { CanDecoder } from '../../drivers/can/decoder.js';
import { DbcSyntaxError, LogFormatError, LogLineError } from '../../drivers/can/errors.js';
import { LOG_FORMATS, type LogFormat } from '../../drivers/can/logs/log-frame.js';
import { createLogParser, readLogText } from '../../drivers/can/logs/read-log.js';
import { CAN_DATA_NOTE, HAVE_CAN_DATA, canData } from '../../drivers/can/testdata/shared-data.js';
import { mutated, onlyTyped, params, spliced } from './support.js';

const DBC_ALPHABET = ' \t\n"|@+-:;,()[]0123456789xmMSG_BOVALCNTE\\';
const REAL_DBCS = ['tesla_model3.dbc', 'gm_volt_hv_management.dbc', 'nissan_leaf_aze0.dbc', 'hyundai_kona_pcan.dbc'];

const SMALL_DBC = `VERSION ""\nNS_ :\n\tCM_\nBS_:\nBU_: A B\nBO_ 2364540158 EEC1: 8 A\n SG_ Speed : 24|16@1+ (0.125,0) [0|8031.875] "rpm" B\n
BO_ 512 M1: 8 A\n SG_ Bank M : 55|3@0+ (1,0) [0|0] "" B\n SG_ V m0 : 4|12@0- (0.00125,-1.5e1) [0|0] "V" B\n SG_ Sub m1M : 8|4@1+ (1,0) [0|0] "" B\n
CM_ SG_ 512 V "cell \\"voltage\\"";\nBA_DEF_ BO_ "GenMsgCycleTime" INT 0 65535;\nBA_ "GenMsgCycleTime" BO_ 512 100;\nVAL_ 512 Bank 0 "zero" -1 "neg" ;\nSIG_VALTYPE_ 512 V : 1;\nSG_MUL_VAL_ 512 Sub Bank 1-1, 2-3;\n`;

function dbcProperty(text: string): void {
  const out = onlyTyped([DbcSyntaxError], () => parseDbc(text, 'fuzz.dbc'));
  if (out instanceof DbcSyntaxError) {
    expect(out.line).toBeGreaterThanOrEqual(1);
    expect(out.column).toBeGreaterThanOrEqual(1);
    return;
  }
  if (out instanceof Error) return; // a known bug, only with FUZZ_SKIP_KNOWN=1
  // A DBC that parses must also decode any frame without throwing.
  const decoder = new CanDecoder(out);
  for (const m of out.messages.slice(0, 4)) decoder.decode({ id: m.id, extended: m.extended, data: new Uint8Array(64).fill(0xa5) });
}

describe('DBC parser: only DbcSyntaxError', () => {
  it('random text', () => fc.assert(fc.property(fc.string({ maxLength: 400 }), dbcProperty), params(0.25)));
  it('random bytes read as latin1', () => fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => dbcProperty(Buffer.from(b).toString('latin1'))), params(0.25)));
  it('a small valid DBC with token-level edits', () => fc.assert(fc.property(mutated(SMALL_DBC, DBC_ALPHABET), dbcProperty), params(0.5)));
});

describe.skipIf(!HAVE_CAN_DATA)(`DBC parser on mutated real DBC files${CAN_DATA_NOTE}`, () => {
  // Each real file is 10-200 kB: slice a window around the edits so a run is not all re-lexing.
  for (const file of REAL_DBCS) {
    it(file, () => {
      const text = HAVE_CAN_DATA ? readFileSync(canData(file), 'latin1') : '';
      const window = fc.nat({ max: Math.max(0, text.length - 6000) }).map((at) => text.slice(0, 400) + text.slice(at, at + 6000));
      const arb = fc.oneof(window.chain((w) => mutated(w, DBC_ALPHABET)), window.chain((w) => spliced(w)));
      fc.assert(fc.property(arb, dbcProperty), params(0.25));
    });
  }
});

const SAMPLE_LINES: Record<LogFormat, string[]> = {
  candump: ['(1436509052.249713) vcan0 044#2A366C2BBA', '(1.5) can0 18FF50E5##1AABBCCDDEEFF0011', '(2) can0 123#R', '(3.000001) can1 7FF#', '(4) can0 123#1122334455667788_F', '(1436509052.249713)  can0  123   [8]  11 22 33 44 55 66 77 88', '  can0  18FF50E5  [12]  00 11 22 33 44 55 66 77 88 99 AA BB', '(2015-07-10 08:17:32.249713)  can0  RX - -  123   {F}  11 22 33 44 55 66 77 88', '  can0  123   [2]  remote request'],
  asc: ['date Wed Nov 8 09:17:01.500 pm 2023', 'base hex  timestamps absolute', 'base dec timestamps relative', '   0.083540 0  594\tRx   d 8 34 21 34 21 A0 62 01 20', ' 0.1 CANFD 1 Rx 123 Msg 1 0 d 12 01 02 03 04 05 06 07 08 09 0A 0B 0C', '   1.0 1 1FFFFFFFx Tx d 2 01 02', 'Begin Triggerblock', 'End TriggerBlock'],
  gvret: ['Time Stamp,ID,Extended,Dir,Bus,LEN,D1,D2,D3,D4,D5,D6,D7,D8', 'Time Stamp,ID,Extended,Bus,LEN,D1,D2,D3,D4,D5,D6,D7,D8', '166064000,0000021A,false,Rx,0,8,FE,36,12,FE,69,05,07,AD,', '1,1FFFFFFF,true,Rx,1,2,01,02', '39747828,000005EB,false,0,3,E8,45,85,00,00,00,00,00,'],
  trc: [';$FILEVERSION=2.1', ';$FILEVERSION=1.1', ';$FILEVERSION=2.0', ';$STARTTIME=45238.8868171296', ';$COLUMNS=N,O,T,B,I,d,R,L,D', ';$COLUMNS=N,O,T,I,d,l,D', '      1      1059.900 DT 1      0300 Rx -  7    00 00 00 00 04 00 00', '      2      1.5 FD 1  18EFC8E2 Tx -  9    00 11 22 33 44 55 66 77 88 99 AA BB', '      3      3.0 FD     0402 Rx 12 00 11 22 33 44 55 66 77 88 99 AA BB', '     1)      1841.2  Rx         0001  8  00 11 22 33 44 55 66 77', '     4)      1844  0100  3  RTR', '      5      1659.300 ST          Rx    00 00 00 08'],
};
const LOG_ALPHABET = ' \t#()[],.:-xXRrdTtxDFabcdef0123456789ABCDEFtruefalseRxTx\n';

function checkLines(format: LogFormat, lines: readonly string[]): void {
  const parser = createLogParser(format);
  lines.every((line, i) => {
    const result = onlyTyped([], () => parser.parseLine(line, i + 1));
    if (result instanceof LogFormatError) return false; // the reader stops at a refused layout
    if (result === undefined || result instanceof LogLineError) return true;
    if (result instanceof Error) throw result;
    expect(result.data.length).toBeLessThanOrEqual(64);
    expect(result.id).toBeGreaterThanOrEqual(0);
    expect(result.id).toBeLessThanOrEqual(result.extended ? 0x1fff_ffff : 0x7ff);
    expect(Number.isFinite(result.tsMs)).toBe(true);
    return true;
  });
}

describe('CAN log parsers never throw; frames are well-formed', () => {
  const konaLines = HAVE_CAN_DATA ? readFileSync(canData('kona_bms_idle.asc'), 'latin1').split('\n').slice(0, 2000) : [];
  for (const format of LOG_FORMATS) {
    it(format, () => {
      const samples = format === 'asc' && konaLines.length > 0 ? [...SAMPLE_LINES.asc, ...konaLines.slice(0, 200)] : SAMPLE_LINES[format];
      const line = fc.oneof(
        fc.string({ maxLength: 160 }),
        fc.constantFrom(...samples).chain((l) => mutated(l, LOG_ALPHABET, 4)),
        fc.constantFrom(...samples).chain((l) => spliced(l)),
      );
      // A sequence, because parsers keep state (ASC header, base, relative timestamps).
      fc.assert(fc.property(fc.array(line, { maxLength: 16 }), (lines) => checkLines(format, lines)), params());
    });
  }
  // The format identified from the first line: any mix of every format's lines, any first line.
  it('identified from the content', () => {
    const all = Object.values(SAMPLE_LINES).flat();
    const line = fc.oneof(fc.string({ maxLength: 160 }), fc.constantFrom(...all).chain((l) => mutated(l, LOG_ALPHABET, 4)));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 16 }), (lines) => {
        let refusals = 0;
        const frames = onlyTyped([], () => [...readLogText(lines.join('\n'), undefined, (e) => void (e instanceof LogFormatError && refusals++))]);
        if (frames instanceof Error) throw frames;
        expect(refusals).toBeLessThanOrEqual(1); // refused once per file, then reading stops
      }),
      params(0.25),
    );
  });
});
