/**
 * JK BMS RS485/UART ("4E 57", JK TTL protocol v2.5) at 115200 8N1.
 *
 * Frame: 4E 57 | length (2, counts from itself to the end) | terminal id (4) | command (1) |
 *        source (1: 0 BMS, 1 BLE, 2 GPS, 3 PC) | transmission type (1: 0 request, 1 reply,
 *        2 active upload) | data | record number (4) | 68 | checksum (4)
 * Checksum: the low 16 bits of the sum of every byte from 4E up to and including 68, in the last two
 * bytes; the two bytes before them are unused (zero).
 * One "read all" request (command 0x06, data 00) is answered with every register as a sequence of
 * <id><value> pairs whose value length depends on the id (table below).
 *
 * NOT verified against captures from a real JK BMS: there are none in shared/data. The codec follows
 * the public protocol description (JK "RS485 communication protocol" v2.5, as documented in
 * syssi/esphome-jk-bms docs/protocol-design-uart-ttl-gps-port.md) and is tested against our own
 * encoder (testdata/encoders.ts), which reads the same description.
 */
import type { FrameSpec } from './frame-parser.js';
import { StepCycle, sum, u16, u32, type BmsProtocol, type ProtocolOptions } from './protocol.js';
import { namedBits, round, type Contribution, type Refusal } from './signals.js';

export const JK_START = [0x4e, 0x57] as const;
export const JK_END = 0x68;
export const JK_CMD_READ_ALL = 0x06;
export const JK_SOURCE_PC = 0x03;
export const JK_TYPE_REQUEST = 0x00;
/** Header (start 2 + length 2 + terminal 4 + command/source/type 3) and trailer (record 4 + end 1 + checksum 4). */
export const JK_HEADER = 11;
export const JK_TRAILER = 9;
/** A read-all answer of a 32-cell pack is about 380 bytes; anything far beyond is a false start. */
const MAX_LENGTH = 1024;

export const jkFrameSpec: FrameSpec = {
  startByte: JK_START[0],
  frameLength(buf) {
    if (buf.length < 2) return { kind: 'need_more' };
    if (buf[1] !== JK_START[1]) return { kind: 'invalid', reason: 'bad_start' };
    if (buf.length < 4) return { kind: 'need_more' };
    const length = u16(buf, 2);
    if (length < JK_HEADER + JK_TRAILER - 2 || length > MAX_LENGTH) return { kind: 'invalid', reason: 'bad_length' };
    return { kind: 'complete', length: length + 2 };
  },
  verify(frame) {
    const n = frame.length;
    if (frame[n - 5] !== JK_END) return 'bad_end_byte';
    return (sum(frame, 0, n - 4) & 0xffff) === u16(frame, n - 2) ? null : 'bad_checksum';
  },
};

export interface JkFrameFields {
  terminal?: number;
  command: number;
  source: number;
  type: number;
  data: Uint8Array;
  record?: number;
}

/** Builds a complete frame (requests here; answers in the test encoder). */
export function encodeJkFrame(f: JkFrameFields): Buffer {
  const total = JK_HEADER + f.data.length + JK_TRAILER;
  const frame = Buffer.alloc(total);
  frame.set(JK_START, 0);
  frame.writeUInt16BE(total - 2, 2);
  frame.writeUInt32BE(f.terminal ?? 0, 4);
  frame.set([f.command, f.source, f.type], 8);
  frame.set(f.data, JK_HEADER);
  frame.writeUInt32BE(f.record ?? 0, total - 9);
  frame[total - 5] = JK_END;
  frame.writeUInt16BE(sum(frame, 0, total - 4) & 0xffff, total - 2);
  return frame;
}

export const jkReadAllRequest = (): Buffer =>
  encodeJkFrame({ command: JK_CMD_READ_ALL, source: JK_SOURCE_PC, type: JK_TYPE_REQUEST, data: Uint8Array.of(0) });

export function jkFrameFields(frame: Buffer): Required<JkFrameFields> {
  return {
    terminal: frame.readUInt32BE(4),
    command: frame[8] as number,
    source: frame[9] as number,
    type: frame[10] as number,
    data: frame.subarray(JK_HEADER, frame.length - JK_TRAILER),
    record: frame.readUInt32BE(frame.length - 9),
  };
}

/** Value length of each register id; 0x79 is special (a count byte, then 3 bytes per cell). */
const REGISTER_LENGTH = new Map<number, number>();
const setLength = (ids: number[], n: number) => ids.forEach((id) => REGISTER_LENGTH.set(id, n));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
setLength([0x80, 0x81, 0x82, 0x83, 0x84, 0x87, 0x8a, 0x8b, 0x8c, ...range(0x8e, 0x9c), ...range(0x9e, 0xa8), 0xad, 0xb0, 0xbe, 0xbf], 2);
setLength([0x85, 0x86, 0x9d, 0xa9, 0xab, 0xac, 0xae, 0xaf, 0xb1, 0xb3, 0xb8, 0xbb, 0xbc, 0xbd, 0xc0], 1);
setLength([0x89, 0xaa, 0xb5, 0xb6, 0xb9], 4);
setLength([0xb2], 10);
setLength([0xb4], 8);
setLength([0xb7], 15);
setLength([0xba], 24);

export const JK_CELLS = 0x79;

/** Walks the <id><value> pairs; stops at an unknown id (its length cannot be known). */
export function jkRegisters(data: Uint8Array): { registers: Map<number, Uint8Array>; unknownId?: number } {
  const registers = new Map<number, Uint8Array>();
  let i = 0;
  while (i < data.length) {
    const id = data[i] as number;
    const n = id === JK_CELLS ? 1 + (data[i + 1] ?? 0) : REGISTER_LENGTH.get(id);
    if (n === undefined || i + 1 + n > data.length) return { registers, unknownId: id };
    registers.set(id, data.subarray(i + 1, i + 1 + n));
    i += 1 + n;
  }
  return { registers };
}

/** 0x8B warning word, bit by bit. */
export const JK_WARNING_BITS = [
  'low_capacity', 'mosfet_overtemperature', 'charge_overvoltage', 'discharge_undervoltage',
  'battery_overtemperature', 'charge_overcurrent', 'discharge_overcurrent', 'cell_voltage_difference',
  'box_overtemperature', 'battery_undertemperature', 'cell_overvoltage', 'cell_undervoltage',
  'protection_309_a', 'protection_309_b',
] as const;

/**
 * 0x80-0x82 temperature word, whole degC: 0-99 is the temperature, 100 and above is below zero with
 * 100 = -1 degC, 101 = -2 degC ... 140 = -41 degC. The protocol description says "101 is -1 degC"
 * and "0-140"; users of real packs saw 0x64 (100) at -1 degC and 0x65 at -2 degC (dbus-serialbattery
 * issue 339, esphome-jk-bms issue 685), and esphome-jk-bms fixed its decoder to this rule in 2025.
 * Undefined above 140 (outside the documented range): the caller refuses it.
 */
export const JK_TEMPERATURE_MAX_RAW = 140;
export function jkTemperature(raw: number): number | undefined {
  if (raw > JK_TEMPERATURE_MAX_RAW) return undefined;
  return raw > 99 ? 99 - raw : raw;
}

/**
 * 0x84 current with protocol version 1 (register 0xC0 = 1): 10 mA units, bit 15 set while charging.
 * Undefined for any other version: version 0's documented encoding ((10000 - raw) x 10 mA) is not
 * what either reference decodes (esphome-jk-bms publishes 0 A, dbus-serialbattery applies the
 * version-1 rule regardless) and no capture of a version-0 pack exists, so the bytes are ambiguous
 * (raw 9500 is +5 A by the description, -95 A by dbus-serialbattery). The caller refuses it.
 */
export function jkCurrent(raw: number, protocolVersion: number | undefined): number | undefined {
  if (protocolVersion !== 1) return undefined;
  return round(((raw & 0x8000) !== 0 ? 1 : -1) * (raw & 0x7fff) * 0.01, 2);
}

export const JK_READ_ALL_FRAME = 'jk read-all (0x06)';

export interface JkReadAll {
  cellVoltagesV?: number[];
  mosfetTemperatureC?: number;
  temperaturesC: number[];
  packVoltageV?: number;
  currentA?: number;
  socPct?: number;
  cycles?: number;
  totalCycleCapacityAh?: number;
  warnings?: number;
  alarms?: string[];
  chargeMosOn?: boolean;
  dischargeMosOn?: boolean;
  balancing?: boolean;
  capacitySettingAh?: number;
  /** Register 0xC0; undefined when the answer did not carry it. */
  protocolVersion?: number;
  unknownId?: number;
  /** Values left out because they cannot be decoded unambiguously. */
  refusals: Refusal[];
}

export function decodeJkReadAll(data: Uint8Array): JkReadAll {
  const { registers: r, unknownId } = jkRegisters(data);
  const w = (id: number) => { const v = r.get(id); return v && v.length >= 2 ? u16(v, 0) : undefined; };
  const b = (id: number) => r.get(id)?.[0];
  const protocolVersion = b(0xc0);
  const refusals: Refusal[] = [];
  const refuse = (field: string, raw: number, message: string) =>
    refusals.push({ frame: JK_READ_ALL_FRAME, field, raw, message });
  const out: JkReadAll = {
    temperaturesC: [],
    refusals,
    ...(protocolVersion !== undefined ? { protocolVersion } : {}),
    ...(unknownId !== undefined ? { unknownId } : {}),
  };
  const temperature = (id: number, name: string): number | undefined => {
    const raw = w(id);
    if (raw === undefined) return undefined;
    const t = jkTemperature(raw);
    if (t === undefined) refuse(`0x${id.toString(16)} ${name}`, raw, `raw ${raw} is outside the documented range 0-${JK_TEMPERATURE_MAX_RAW}`);
    return t;
  };
  const cells = r.get(JK_CELLS);
  if (cells) {
    out.cellVoltagesV = [];
    for (let i = 1; i + 2 < cells.length; i += 3) out.cellVoltagesV.push(round(u16(cells, i + 1) / 1000, 3));
  }
  const mos = temperature(0x80, 'MOSFET temperature');
  if (mos !== undefined) out.mosfetTemperatureC = mos;
  for (const [id, name] of [[0x81, 'temperature sensor 1'], [0x82, 'temperature sensor 2']] as const) {
    const t = temperature(id, name);
    if (t !== undefined) out.temperaturesC.push(t);
  }
  const volts = w(0x83);
  if (volts !== undefined) out.packVoltageV = round(volts * 0.01, 2);
  const amps = w(0x84);
  if (amps !== undefined) {
    const current = jkCurrent(amps, protocolVersion);
    if (current !== undefined) out.currentA = current;
    else {
      const why = protocolVersion === undefined ? 'the answer has no protocol version register 0xC0' : `protocol version (0xC0) is ${protocolVersion}`;
      refuse('0x84 current', amps, `${why}; only version 1 (bit 15 = charging, 10 mA) is decoded unambiguously`);
    }
  }
  const soc = b(0x85);
  if (soc !== undefined && soc > 100) refuse('0x85 state of charge', soc, `${soc} % is above 100 %`);
  else if (soc !== undefined) out.socPct = soc;
  if (w(0x87) !== undefined) out.cycles = w(0x87);
  const total = r.get(0x89);
  if (total?.length === 4) out.totalCycleCapacityAh = u32(total, 0);
  const warnings = w(0x8b);
  if (warnings !== undefined) {
    out.warnings = warnings;
    out.alarms = namedBits(warnings, JK_WARNING_BITS, 'jk_warning');
  }
  const status = w(0x8c);
  if (status !== undefined) {
    out.chargeMosOn = (status & 1) !== 0;
    out.dischargeMosOn = (status & 2) !== 0;
    out.balancing = (status & 4) !== 0;
  }
  const capacity = r.get(0xaa);
  if (capacity?.length === 4) out.capacitySettingAh = u32(capacity, 0);
  return out;
}

function readAllContribution(v: JkReadAll): Contribution | null {
  if (v.packVoltageV === undefined && v.cellVoltagesV === undefined) return null;
  return {
    signals: {
      packVoltageV: v.packVoltageV,
      packCurrentA: v.currentA,
      socPct: v.socPct,
      cycleCount: v.cycles,
      fullCapacityAh: v.capacitySettingAh,
      cellVoltagesV: v.cellVoltagesV,
      alarmFlags: v.alarms,
    },
    temperaturesC: v.temperaturesC,
    refusals: v.refusals,
  };
}

export const jkProtocol: BmsProtocol = {
  name: 'jk',
  defaultBaudRate: 115200,
  spec: jkFrameSpec,
  newCycle(options: ProtocolOptions) {
    return new StepCycle(
      [
        {
          request: jkReadAllRequest(),
          handle(frame) {
            const f = jkFrameFields(frame);
            // Our own request echoed by a half-duplex RS485 adapter is not an answer.
            if (f.command !== JK_CMD_READ_ALL || f.type === JK_TYPE_REQUEST) return { kind: 'unexpected' };
            return readAllContribution(decodeJkReadAll(f.data)) ?? { kind: 'rejected', reason: 'malformed_frame' };
          },
        },
      ],
      options.invertCurrent,
    );
  },
};
