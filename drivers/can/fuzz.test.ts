/**
 * Property tests: whatever bytes arrive (DBC text, log lines, frames), the CAN code answers with a
 * result or one of its typed errors, never with anything else (TypeError, RangeError, a hang).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDbc } from './dbc-parser.js';
import { CanDecoder } from './decoder.js';
import { DbcSyntaxError, LogFormatError, LogLineError } from './errors.js';
import { LOG_FORMATS } from './logs/log-frame.js';
import { createLogParser } from './logs/read-log.js';
import { CAN_DATA_NOTE, HAVE_CAN_DATA, canData } from './testdata/shared-data.js';

const SAMPLE_DBC = `VERSION ""\nNS_ :\n\tCM_\nBS_:\nBU_: A B\nBO_ 2364540158 EEC1: 8 A\n SG_ Speed : 24|16@1+ (0.125,0) [0|8031.875] "rpm" B\n
BO_ 512 M1: 8 A\n SG_ Bank M : 55|3@0+ (1,0) [0|0] "" B\n SG_ V m0 : 4|12@0- (0.00125,-1.5e1) [0|0] "V" B\n SG_ Sub m1M : 8|4@1+ (1,0) [0|0] "" B\n
CM_ SG_ 512 V "cell \\"voltage\\"\nline two";\nBA_ "GenMsgCycleTime" BO_ 512 100;\nVAL_ 512 Bank 0 "zero" -1 "neg" ;\nSIG_VALTYPE_ 512 V : 0;\nSG_MUL_VAL_ 512 Sub Bank 1-1, 2-3;\n`;

/** Parses and accepts only a result or a DbcSyntaxError carrying a real position. */
function parsesOrTypedError(text: string): void {
  try {
    parseDbc(text, 'fuzz.dbc');
  } catch (err) {
    if (!(err instanceof DbcSyntaxError)) throw err;
    expect(err.line).toBeGreaterThanOrEqual(1);
    expect(err.column).toBeGreaterThanOrEqual(1);
  }
}

/** A text with a few random edits (delete, insert, replace) at random places. */
const mutated = (text: string) =>
  fc
    .array(fc.tuple(fc.nat({ max: text.length }), fc.nat({ max: 6 }), fc.string({ maxLength: 6, unit: fc.constantFrom(...' \t\n"|@+-:;,()[]0123456789xmMSG_BOVAL'.split('')) })), { minLength: 1, maxLength: 8 })
    .map((edits) => edits.reduce((t, [at, del, ins]) => t.slice(0, at) + ins + t.slice(at + del), text));

describe('DBC parser never throws anything but DbcSyntaxError', () => {
  it('on random text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), parsesOrTypedError), { numRuns: 2000 });
  });
  it('on random bytes read as latin1', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => parsesOrTypedError(Buffer.from(b).toString('latin1'))), { numRuns: 1000 });
  });
  it('on a valid DBC with random edits', () => {
    fc.assert(fc.property(mutated(SAMPLE_DBC), parsesOrTypedError), { numRuns: 3000 });
  });
});

describe.skipIf(!HAVE_CAN_DATA)(`DBC parser on edited real files${CAN_DATA_NOTE}`, () => {
  it('GM Volt DBC with random edits', () => {
    const text = readFileSync(canData('gm_volt_hv_management.dbc'), 'latin1');
    fc.assert(fc.property(mutated(text), parsesOrTypedError), { numRuns: 300 });
  });
});

const SAMPLE_LINES: Record<string, string[]> = {
  candump: ['(1436509052.249713) vcan0 044#2A366C2BBA', '(1.5) can0 18FF50E5##1AABBCCDDEEFF0011', '(2) can0 123#R'],
  asc: ['date Wed Nov 8 09:17:01.500 pm 2023', 'base dec timestamps relative', '   0.083540 0  594\tRx   d 8 34 21 34 21 A0 62 01 20', ' 0.1 CANFD 1 Rx 123 Msg 1 0 d 12 01 02 03 04 05 06 07 08 09 0A 0B 0C'],
  gvret: ['Time Stamp,ID,Extended,Dir,Bus,LEN,D1,D2,D3,D4,D5,D6,D7,D8', '166064000,0000021A,false,Rx,0,8,FE,36,12,FE,69,05,07,AD,'],
  trc: [';$FILEVERSION=2.1', ';$STARTTIME=45238.8868171296', ';$COLUMNS=N,O,T,B,I,d,R,L,D', '      1      1059.900 DT 1      0300 Rx -  7    00 00 00 00 04 00 00', '      2      1.5 FD 1  18EFC8E2 Tx -  9    00 11 22 33 44 55 66 77 88 99 AA BB'],
};

describe('log readers never throw, and every frame they yield is well-formed', () => {
  for (const format of LOG_FORMATS) {
    it(format, () => {
      const line = fc.oneof(fc.string({ maxLength: 120 }), fc.constantFrom(...(SAMPLE_LINES[format] ?? [])).chain((l) => mutated(l)));
      fc.assert(
        fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
          const parser = createLogParser(format);
          lines.every((l, i) => {
            const result = parser.parseLine(l, i + 1);
            if (result instanceof LogFormatError) return false; // the reader stops at a refused layout
            if (result === undefined || result instanceof LogLineError) return true;
            expect(result.data.length).toBeLessThanOrEqual(64);
            expect(result.id).toBeLessThanOrEqual(result.extended ? 0x1fff_ffff : 0x7ff);
            expect(Number.isFinite(result.tsMs)).toBe(true);
            return true;
          });
        }),
        { numRuns: 1500 },
      );
    });
  }
});

describe.skipIf(!HAVE_CAN_DATA)(`decoder never throws on random frames${CAN_DATA_NOTE}`, () => {
  it.each(['tesla_model3.dbc', 'gm_volt_hv_management.dbc', 'nissan_leaf_aze0.dbc', 'hyundai_kona_pcan.dbc'])('%s', (file) => {
    const db = parseDbc(readFileSync(canData(file), 'latin1'), file);
    const decoder = new CanDecoder(db);
    const known = db.messages.map((m) => ({ id: m.id, extended: m.extended }));
    const idArb = fc.oneof(fc.constantFrom(...known), fc.record({ id: fc.nat({ max: 0x7ff }), extended: fc.constant(false) }), fc.record({ id: fc.nat({ max: 0x1fff_ffff }), extended: fc.constant(true) }));
    fc.assert(
      fc.property(idArb, fc.uint8Array({ maxLength: 64 }), (id, data) => {
        const decoded = decoder.decode({ ...id, data });
        for (const s of decoded?.signals ?? []) {
          const def = decoded?.message.signals.find((d) => d.name === s.name);
          if (def?.valueType === 'integer') expect(Number.isFinite(s.value)).toBe(true);
          if (def?.valueType === 'integer') expect(s.raw).toBeLessThan(2 ** def.length);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
