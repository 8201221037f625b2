import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDbc, parseDbcFile } from './dbc-parser.js';
import { CanDecoder, type DecodedFrame } from './decoder.js';
import { CAN_DATA_NOTE, HAVE_CAN_DATA, canData } from './testdata/shared-data.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(hex.split(' ').map((b) => Number.parseInt(b, 16)));
const values = (d: DecodedFrame | undefined): Record<string, number> => Object.fromEntries((d?.signals ?? []).map((s) => [s.name, s.value]));

describe.skipIf(!HAVE_CAN_DATA)(`hand-verified decodes with the real DBCs${CAN_DATA_NOTE}`, () => {
  it('GM Volt: Motorola 12-bit cell voltages selected by a Motorola 3-bit multiplexer', () => {
    const decoder = new CanDecoder(parseDbcFile(canData('gm_volt_hv_management.dbc')));
    // Battery_Module_1 (512). Cell_Bank_Number_1 M : 55|3@0+ -> byte 6 bits 7..5: 0x40 >> 5 = 2.
    // Voltage_1_2_A m2 : 4|12@0+ -> byte0 bits 4..0 then byte1 bits 7..1: (0x19 << 7) | (0x00 >> 1) = 3200 -> 4.000 V
    // Voltage_1_2_B m2 : 20|12@0+ -> byte2 bits 4..0, byte3 bits 7..1: (0x17 << 7) | (0x20 >> 1) = 2960 -> 3.700 V
    // Voltage_1_2_C m2 : 39|12@0+ -> byte4 all, byte5 bits 7..4: (0xD0 << 4) | (0x50 >> 4) = 3333 -> 4.16625 V
    const d = decoder.decode({ id: 512, extended: false, data: bytes('19 00 17 20 D0 50 40 00') });
    expect(d?.message.name).toBe('Battery_Module_1');
    const v = values(d);
    expect(Object.keys(v).sort()).toEqual(['Cell_Bank_Number_1', 'Voltage_1_2_A', 'Voltage_1_2_B', 'Voltage_1_2_C']);
    expect(v['Cell_Bank_Number_1']).toBe(2);
    expect(v['Voltage_1_2_A']).toBeCloseTo(4.0, 10);
    expect(v['Voltage_1_2_B']).toBeCloseTo(3.7, 10);
    expect(v['Voltage_1_2_C']).toBeCloseTo(4.16625, 10);
    // Pack_Stats (528). Pack_Voltage 7|12@0+ (0.125): (0xC8 << 4) | (0x00 >> 4) = 3200 -> 400 V.
    // Pack_Current 23|8@0- (0.1,-0.1): byte2 = 0xF6 = -10 signed -> -10 * 0.1 - 0.1 = -1.1 A.
    const p = values(decoder.decode({ id: 528, extended: false, data: bytes('C8 00 F6 00 00 00 00 00') }));
    expect(p['Pack_Voltage']).toBe(400);
    expect(p['Pack_Current']).toBeCloseTo(-1.1, 10);
    // Battery_temp (770): Switch M : 2|1@1+ = bit 2 of 0x04 = 1 -> Temp_G m1 : 8|8@1+ (0.5,-40) = 100 * 0.5 - 40 = 10 C.
    const t = values(decoder.decode({ id: 770, extended: false, data: bytes('04 64 00 00 00 00 00 00') }));
    expect(t).toEqual({ Switch: 1, Temp_G: 10, Temp_H: -40, Temp_I: -40 });
  });

  it('Leaf 0x1DB: signed Motorola current and 10-bit voltage', () => {
    const decoder = new CanDecoder(parseDbcFile(canData('nissan_leaf_aze0.dbc')));
    // LB_Current 7|11@0- (0.5): byte0 all, byte1 bits 7..5: (0xFB << 3) | 0 = 2008 = -40 (11-bit) -> -20 A.
    // LB_Total_Voltage 23|10@0+ (0.5): byte2 all, byte3 bits 7..6: (0xB4 << 2) | (0x40 >> 6) = 721 -> 360.5 V.
    const d = decoder.decode({ id: 0x1db, extended: false, data: bytes('FB 00 B4 40 00 00 00 00') });
    const current = d?.signals.find((s) => s.name === 'LB_Current');
    expect(current).toMatchObject({ raw: -40, value: -20, unit: 'A' });
    expect(values(d)['LB_Total_Voltage']).toBe(360.5);
  });

  it('Tesla 0x132: Intel signed with a negative factor, value-table labels on 0x212', () => {
    const decoder = new CanDecoder(parseDbcFile(canData('tesla_model3.dbc')));
    // BattVoltage132 0|16@1+ (0.01): 0x9470 = 38000 -> 380 V. SmoothBattCurrent132 16|16@1- (-0.1):
    // 0xFF85 = -123 -> 12.3 A. RawBattCurrent132 32|16@1- (-0.05,500): 0x2710 = 10000 -> 0 A.
    const v = values(decoder.decode({ id: 0x132, extended: false, data: bytes('70 94 85 FF 10 27 00 00') }));
    expect(v['BattVoltage132']).toBeCloseTo(380, 10);
    expect(v['SmoothBattCurrent132']).toBeCloseTo(12.3, 10);
    expect(v['RawBattCurrent132']).toBeCloseTo(0, 10);
    expect(v['ChargeHoursRemaining132']).toBe(0);
    // A frame labelled by a third party (fl4p/tescan README, from a community Model 3 CAN sheet):
    // "306 70 96 AE FF 5C 26 FF 0F  batV=385.12 RawBattCurrent=9, SmoothBattCurrent=8.2, ChargeHRemain=4095"
    const labelled = values(decoder.decode({ id: 306, extended: false, data: bytes('70 96 AE FF 5C 26 FF 0F') }));
    expect(labelled['BattVoltage132']).toBeCloseTo(385.12, 10);
    expect(labelled['RawBattCurrent132']).toBeCloseTo(9, 10);
    expect(labelled['SmoothBattCurrent132']).toBeCloseTo(8.2, 10);
    expect(labelled['ChargeHoursRemaining132']).toBe(4095);
    // BMS_contactorState 8|3@1+ in 0x212: byte1 = 0x05 -> raw 5, labelled by VAL_.
    const status = decoder.decode({ id: 0x212, extended: false, data: bytes('00 05 00 00 00 00 00 00') });
    const contactor = status?.signals.find((s) => s.name === 'BMS_contactorState');
    expect(contactor?.raw).toBe(5);
    expect(contactor?.label).toMatch(/^BMS_CTRSET_/);
  });
});

describe('decoder on inline DBCs', () => {
  const db = parseDbc(
    'BO_ 2364540158 EEC1: 8 X\n SG_ EngineSpeed : 24|16@1+ (0.125,0) [0|0] "rpm" X\n\n' +
      'BO_ 100 F: 8 X\n SG_ F32 : 0|32@1- (1,0) [0|0] "" X\n SG_ Mode M : 32|8@1+ (1,0) [0|0] "" X\n' +
      ' SG_ Sub m1M : 40|4@1+ (1,0) [0|0] "" X\n SG_ Deep : 44|4@1+ (1,0) [0|0] "" X\n' +
      ' SG_ Big : 0|64@1+ (1,0) [0|0] "" X\n\n' +
      'BO_ 200 D: 8 X\n SG_ D64 : 0|64@1- (1,0) [0|0] "" X\n' +
      'SIG_VALTYPE_ 100 F32 : 1;\nSIG_VALTYPE_ 200 D64 : 2;\nSG_MUL_VAL_ 100 Sub Mode 1-1, 3-5;\nSG_MUL_VAL_ 100 Deep Sub 2-2;\n',
  );
  const decoder = new CanDecoder(db);

  it('decodes extended ids apart from standard ones and counts unknown ids', () => {
    // EngineSpeed 24|16@1+ (0.125): bytes 3..4 = 0x1A40 = 6720 -> 840 rpm.
    const d = decoder.decode({ id: 0x0cf004fe, extended: true, data: bytes('00 00 00 40 1A 00 00 00') });
    expect(values(d)).toEqual({ EngineSpeed: 840 });
    expect(decoder.decode({ id: 0x0cf004fe, extended: false, data: new Uint8Array(8) })).toBeUndefined();
    expect(decoder.decode({ id: 0x7ff, extended: false, data: new Uint8Array(8) })).toBeUndefined();
    expect(decoder.stats.unknownIds.get(0x7ff)).toBe(1);
  });

  it('decodes IEEE floats and follows extended multiplexing (SG_MUL_VAL_)', () => {
    // F32 = 0x3FC00000 little-endian = 1.5. Mode = 4 is inside 3-5, Sub = 2 selects Deep = 0xA.
    const v = values(decoder.decode({ id: 100, extended: false, data: bytes('00 00 C0 3F 04 A2 00 00') }));
    expect(v['F32']).toBe(1.5);
    expect(v['Sub']).toBe(2);
    expect(v['Deep']).toBe(10);
    // Mode = 2 is outside every range: neither Sub nor Deep (which hangs under Sub) is decoded.
    expect(Object.keys(values(decoder.decode({ id: 100, extended: false, data: bytes('00 00 C0 3F 02 A2 00 00') })))).toEqual(['F32', 'Mode', 'Big']);
    const f64 = new DataView(new ArrayBuffer(8));
    f64.setFloat64(0, -273.15, true);
    expect(values(decoder.decode({ id: 200, extended: false, data: new Uint8Array(f64.buffer) }))['D64']).toBe(-273.15);
  });

  it('leaves out signals a short frame cannot carry, and counts them', () => {
    const before = decoder.stats.truncatedSignals;
    const d = decoder.decode({ id: 100, extended: false, data: bytes('00 00 C0 3F') });
    expect(values(d)).toEqual({ F32: 1.5 });
    expect(decoder.stats.truncatedSignals - before).toBe(2); // Mode and Big (Sub/Deep need Mode)
  });
});

/** Reference extraction straight from the DBC definition, bit by bit, with a different Motorola formula. */
function referenceRaw(data: Uint8Array, start: number, length: number, bigEndian: boolean, signed: boolean): bigint {
  let raw = 0n;
  if (!bigEndian) {
    for (let k = 0; k < length; k++) {
      const pos = start + k;
      raw |= BigInt(((data[pos >> 3] as number) >> (pos & 7)) & 1) << BigInt(k);
    }
  } else {
    // Motorola in "MSB-first linear" numbering (as cantools does): index 0 is bit 7 of byte 0.
    const first = 8 * (start >> 3) + (7 - (start & 7));
    for (let i = 0; i < length; i++) {
      const li = first + i;
      raw = (raw << 1n) | BigInt(((data[li >> 3] as number) >> (7 - (li & 7))) & 1);
    }
  }
  return signed ? BigInt.asIntN(length, raw) : raw;
}

describe('decoder against a bit-by-bit reference (property)', () => {
  it('every Intel/Motorola signal of 1..64 bits that fits 8 bytes decodes to the reference raw value', () => {
    const layout = fc
      .record({ bigEndian: fc.boolean(), signed: fc.boolean(), length: fc.integer({ min: 1, max: 64 }), start: fc.integer({ min: 0, max: 63 }) })
      .filter(({ bigEndian, length, start }) => {
        if (!bigEndian) return start + length <= 64;
        return 8 * (start >> 3) + (7 - (start & 7)) + length <= 64;
      });
    fc.assert(
      fc.property(layout, fc.uint8Array({ minLength: 8, maxLength: 8 }), ({ bigEndian, signed, length, start }, data) => {
        const db = parseDbc(`BO_ 1 M: 8 X\n SG_ S : ${start}|${length}@${bigEndian ? 0 : 1}${signed ? '-' : '+'} (1,0) [0|0] "" X\n`);
        const decoded = new CanDecoder(db).decode({ id: 1, extended: false, data });
        const raw = decoded?.signals[0]?.raw;
        expect(raw).toBe(Number(referenceRaw(data, start, length, bigEndian, signed)));
      }),
      { numRuns: 3000 },
    );
  });
});
