/**
 * Answer-frame encoders for tests and the device emulator. They write bytes field by field from the
 * protocol descriptions, independently of the decoders, so that a decoder bug is not mirrored here.
 * Real captures (shared/data) are preferred wherever they exist; these fill the gaps (JK entirely,
 * Daly 0x92/0x98, JBD with alarms or other values).
 */
/** DD <register> <status> <len> <data> <checksum> 77 */
export function jbdAnswer(register: number, data: number[], status = 0): Buffer {
  const frame = Buffer.from([0xdd, register, status, data.length, ...data, 0, 0, 0x77]);
  let s = 0;
  for (let i = 2; i < frame.length - 3; i++) s += frame[i] as number;
  frame.writeUInt16BE((0x10000 - s) & 0xffff, frame.length - 3);
  return frame;
}

/** A5 <address> <id> 08 <data[8]> <sum> */
export function dalyAnswer(id: number, data: number[], address = 0x01): Buffer {
  const frame = Buffer.alloc(13);
  frame.set([0xa5, address, id, 0x08, ...data.slice(0, 8)]);
  let s = 0;
  for (let i = 0; i < 12; i++) s += frame[i] as number;
  frame[12] = s & 0xff;
  return frame;
}

export interface JkPackState {
  cellsMv: number[];
  mosfetTempRaw: number;
  /** Raw temperature words of sensors 1 and 2 (0-99 degC; 100 = -1 degC, 101 = -2 degC ... 140 = -41 degC). */
  tempRaw: [number, number];
  /** 10 mV units. */
  voltage10mV: number;
  /** Raw 0x84 word, already in the encoding of `protocolVersion`. */
  currentRaw: number;
  socPct: number;
  cycles: number;
  totalCycleAh: number;
  warnings: number;
  status: number;
  capacityAh: number;
  /** Register 0xC0; undefined leaves the register out of the answer. */
  protocolVersion: number | undefined;
}

const u16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const u32 = (v: number) => [...u16(Math.floor(v / 0x10000)), ...u16(v & 0xffff)];

/** The data field of a read-all answer, with a realistic spread of setting registers in between. */
export function jkReadAllData(p: JkPackState): number[] {
  const cells = p.cellsMv.flatMap((mv, i) => [i + 1, ...u16(mv)]);
  return [
    0x79, cells.length, ...cells,
    0x80, ...u16(p.mosfetTempRaw), 0x81, ...u16(p.tempRaw[0]), 0x82, ...u16(p.tempRaw[1]),
    0x83, ...u16(p.voltage10mV), 0x84, ...u16(p.currentRaw), 0x85, p.socPct, 0x86, 2,
    0x87, ...u16(p.cycles), 0x89, ...u32(p.totalCycleAh), 0x8a, ...u16(p.cellsMv.length),
    0x8b, ...u16(p.warnings), 0x8c, ...u16(p.status),
    0x8e, ...u16(5800), 0x9b, ...u16(3300), 0x9d, 1, 0xa5, ...u16(0xffec), 0xa9, p.cellsMv.length,
    0xaa, ...u32(p.capacityAh), 0xb2, ...Array<number>(10).fill(0x30), 0xb4, ...Buffer.from('60300001'),
    0xb7, ...Buffer.from('NW_1_0_0_200428'), 0xba, ...Buffer.from('BT3072020120000200521001'),
    ...(p.protocolVersion !== undefined ? [0xc0, p.protocolVersion] : []),
  ];
}

/** 4E 57 <len> <terminal 0> 06 00 01 <data> <record> 68 00 00 <sum16>: a reply from the BMS. */
export function jkReadAllAnswer(p: JkPackState, record = 0): Buffer {
  const body = [0, 0, 0, 0, 0x06, 0x00, 0x01, ...jkReadAllData(p), ...u32(record), 0x68];
  const length = 2 + body.length + 4; // the length field counts itself and the checksum
  const frame = [0x4e, 0x57, ...u16(length), ...body];
  const s = frame.reduce((a, b) => a + b, 0);
  return Buffer.from([...frame, 0, 0, ...u16(s & 0xffff)]);
}

/** A 4-cell LFP pack charging at 12.34 A (protocol version 1 encoding). */
export const JK_SAMPLE: JkPackState = {
  cellsMv: [3301, 3305, 3299, 3310],
  mosfetTempRaw: 31,
  tempRaw: [24, 102], // 24 degC and -3 degC
  voltage10mV: 1321,
  currentRaw: 0x8000 | 1234,
  socPct: 67,
  cycles: 42,
  totalCycleAh: 1234,
  warnings: 0x0401, // low capacity + cell overvoltage
  status: 0x0003,
  capacityAh: 280,
  protocolVersion: 1,
};
