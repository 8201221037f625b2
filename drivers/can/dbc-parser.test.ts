import { describe, expect, it } from 'vitest';
import { parseDbc, parseDbcFile } from './dbc-parser.js';
import { DbcSyntaxError } from './errors.js';
import { CAN_DATA_NOTE, HAVE_CAN_DATA, canData } from './testdata/shared-data.js';

const signalCount = (db: ReturnType<typeof parseDbc>): number => db.messages.reduce((n, m) => n + m.signals.length, 0);

describe.skipIf(!HAVE_CAN_DATA)(`every real DBC in shared/data/can parses${CAN_DATA_NOTE}`, () => {
  // Expected counts from the files themselves: grep -c '^BO_ ', grep -cE '^\s+SG_ ', grep -c '^VAL_ '.
  it.each([
    ['gm_volt_hv_management.dbc', 12, 125, 3],
    ['hyundai_kona_pcan.dbc', 107, 445, 21],
    ['nissan_leaf_aze0.dbc', 30, 217, 42],
    ['tesla_model3.dbc', 148, 3172, 1062],
  ])('%s: %i messages, %i signals, %i value tables', (file, messages, signals, valueTables) => {
    const db = parseDbcFile(canData(file));
    expect(db.messages).toHaveLength(messages);
    expect(signalCount(db)).toBe(signals);
    expect(db.messages.flatMap((m) => m.signals).filter((s) => s.values).length).toBe(valueTables);
  });

  it('reads the Tesla BMS messages the example config maps', () => {
    const db = parseDbcFile(canData('tesla_model3.dbc'));
    const hv = db.messages.find((m) => m.id === 0x132);
    expect(hv?.name).toBe('ID132HVBattAmpVolt');
    const current = hv?.signals.find((s) => s.name === 'SmoothBattCurrent132');
    expect(current).toMatchObject({ startBit: 16, length: 16, byteOrder: 'little_endian', signed: true, factor: -0.1, offset: 0, unit: 'A' });
    expect(current?.comment).toBe('HV Battery Current');
    expect(hv?.signals.find((s) => s.name === 'RawBattCurrent132')).toMatchObject({ factor: -0.05, offset: 500, min: -1138.35, max: 2138.4 });
    // BA_ "GenMsgCycleTime" BO_ 530 100;
    expect(db.messages.find((m) => m.id === 530)?.attributes['GenMsgCycleTime']).toBe(100);
    const mux = db.messages.find((m) => m.id === 0x332);
    expect(mux?.signals.find((s) => s.name === 'BattCellMultiplexer332')?.isMultiplexer).toBe(true);
    expect(mux?.signals.find((s) => s.name === 'BattCellBrickVoltageMax332')?.mux).toEqual({ switchName: 'BattCellMultiplexer332', ranges: [[1, 1]] });
  });

  it('keeps multi-line comments and Motorola signed signals (Leaf, Kona)', () => {
    const leaf = parseDbcFile(canData('nissan_leaf_aze0.dbc'));
    expect(leaf.messages.find((m) => m.id === 0x1db)?.signals.find((s) => s.name === 'LB_Current')).toMatchObject({ startBit: 7, length: 11, byteOrder: 'big_endian', signed: true, factor: 0.5 });
    // The VECTOR__INDEPENDENT_SIG_MSG pseudo-message: 3221225472 = 0xC0000000 (extended flag set).
    expect(leaf.messages.find((m) => m.name === 'VECTOR__INDEPENDENT_SIG_MSG')).toMatchObject({ id: 0, extended: true, length: 0 });
    const kona = parseDbcFile(canData('hyundai_kona_pcan.dbc'));
    expect(kona.messages.find((m) => m.id === 127)?.comment).toBe('Only seen on 2021 car. 1Hz.\n\nAll zeroes except sometimes one bit is set. Heartbeat with some kind of indicator status?');
  });
});

const HEADER = 'VERSION "x"\n\nNS_ :\n\tCM_\n\tBA_DEF_\n\tSG_MUL_VAL_\n\nBS_:\n\nBU_: BMS GW\n\n';

describe('DBC syntax', () => {
  it('parses extended ids, floats, value tables, SG_MUL_VAL_ and skips unknown statements', () => {
    const db = parseDbc(
      `${HEADER}BO_ 2364540158 EEC1: 8 BMS\n SG_ EngineSpeed : 24|16@1+ (0.125,0) [0|8031.875] "rpm" GW,BMS\n\n` +
        'BO_ 100 FloatMsg: 8 BMS\n SG_ F32 : 0|32@1- (1,0) [-1e+3|1E3] "" GW\n SG_ Mode M : 32|8@1+ (1,0) [0|0] "" GW\n' +
        ' SG_ Sub m1M : 40|4@1+ (1,0) [0|0] "" GW\n SG_ Deep m0 : 44|4@1+ (1,0) [0|0] "" GW\n\n' +
        'FOO_BAR_ 1 2 3 "whatever" ;\nSIG_GROUP_ 100 G 1 : F32;\nVAL_TABLE_ OnOff 1 "On" 0 "Off" ;\n' +
        'BA_DEF_ BO_ "GenMsgCycleTime" INT 0 65535;\nBA_ "GenMsgCycleTime" BO_ 100 20;\n' +
        'VAL_ 100 Mode 0 "Zero" -1 "Minus" ;\nSIG_VALTYPE_ 100 F32 : 1;\nSG_MUL_VAL_ 100 Sub Mode 1-1, 3-5;\nSG_MUL_VAL_ 100 Deep Sub 2-2;\n',
      'inline.dbc',
    );
    expect(db.nodes).toEqual(['BMS', 'GW']);
    const eec1 = db.messages[0];
    expect(eec1).toMatchObject({ id: 0x0cf004fe, extended: true, name: 'EEC1', length: 8, sender: 'BMS' });
    expect(eec1?.signals[0]?.receivers).toEqual(['GW', 'BMS']);
    const [f32, mode, sub, deep] = db.messages[1]?.signals ?? [];
    expect(f32).toMatchObject({ valueType: 'float32', min: -1000, max: 1000, signed: true });
    expect(mode?.values).toEqual(new Map([[0, 'Zero'], [-1, 'Minus']]));
    expect(sub).toMatchObject({ isMultiplexer: true, mux: { switchName: 'Mode', ranges: [[1, 1], [3, 5]] } });
    expect(deep?.mux).toEqual({ switchName: 'Sub', ranges: [[2, 2]] });
    expect(db.valueTables.get('OnOff')).toEqual(new Map([[1, 'On'], [0, 'Off']]));
    expect(db.messages[1]?.attributes['GenMsgCycleTime']).toBe(20);
  });

  const errorAt = (text: string): DbcSyntaxError => {
    try {
      parseDbc(text, 'broken.dbc');
    } catch (err) {
      if (err instanceof DbcSyntaxError) return err;
      throw err;
    }
    throw new Error('expected a DbcSyntaxError');
  };

  it.each([
    // [text, line, column, words in the message]
    ['BO_ 100 M: 8 X\n SG_ S : 0|8@2+ (1,0) [0|0] "" X\n', 2, 14, 'byte order'],
    ['BO_ 100 M: 8 X\n SG_ S : 0|8@1+ (1;0) [0|0] "" X\n', 2, 19, 'expected ","'],
    ['BO_ 100 M: 8 X\n SG_ S : 0|8@1+ (1,0) [0|0] "unit X\n', 2, 29, 'unterminated string'],
    ['BO_ 100 M: 8 X\n SG_ S x7 : 0|8@1+ (1,0) [0|0] "" X\n', 2, 8, 'multiplexer indicator'],
    ['BO_ 4000 M: 8 X\n', 1, 5, 'exceeds 0x7FF'],
    ['BO_ 100 M 8 X\n', 1, 11, 'expected ":"'],
    ['\n\nSG_ S : 0|8@1+ (1,0) [0|0] "" X\n', 3, 1, 'outside a BO_'],
    ['BO_ 100 M: 8 X\n SG_ S : 0|8@1+ (1,0) [0|0] "" X\nVAL_ 100 S 1 "a" 2 ;\n', 3, 20, 'value label'],
    ['BO_ 100 M: 99 X\n', 1, 12, 'message length'],
  ])('%j fails at line %i column %i', (text, line, column, words) => {
    const err = errorAt(text);
    expect(err.file).toBe('broken.dbc');
    expect([err.line, err.column]).toEqual([line, column]);
    expect(err.message).toContain(words);
    expect(err.message.startsWith(`broken.dbc:${line}:${column}: `)).toBe(true);
  });
});

describe.skipIf(!HAVE_CAN_DATA)(`DBC text encoding${CAN_DATA_NOTE}`, () => {
  it('reads UTF-8 units (Kona "°C") without mojibake', () => {
    const kona = parseDbcFile(canData('hyundai_kona_pcan.dbc'));
    expect(kona.messages.find((m) => m.id === 1430)?.signals.find((s) => s.name === 'uwe596_6_TAkkuL')?.unit).toBe('°C');
  });
});
