/**
 * JBD / Xiaoxiang ("Smart BMS") UART protocol, 9600 8N1.
 *
 * Frame: DD | cmd-or-status | ... | len | data[len] | checksum (2, big-endian) | 77
 *   request : DD A5 <register> <len> <data> <cs> 77      (A5 read, 5A write)
 *   response: DD <register> <status> <len> <data> <cs> 77 (status 00 ok, 80 error)
 * In both directions the checksum is 0x10000 minus the sum of the bytes from index 2 up to the
 * checksum (register+len on a request, status+len+data on a response), so one parser serves both.
 *
 * Registers read per cycle: 0x03 basic info, 0x04 cell voltages. Values verified against the real
 * captures in shared/data/serial/jbd_* (syssi/esphome-jbd-bms).
 */
import type { FrameSpec } from './frame-parser.js';
import { StepCycle, s16, sum, u16, type BmsProtocol, type ProtocolOptions } from './protocol.js';
import { namedBits, round, type Contribution, type Refusal } from './signals.js';

export const JBD_START = 0xdd;
export const JBD_END = 0x77;
export const JBD_READ = 0xa5;
export const JBD_REG_BASIC = 0x03;
export const JBD_REG_CELLS = 0x04;
export const JBD_REG_VERSION = 0x05;
/** Start, register/status, status/len, len ... checksum (2), end: 7 bytes around the data. */
const OVERHEAD = 7;

export const jbdFrameSpec: FrameSpec = {
  startByte: JBD_START,
  frameLength(buf) {
    if (buf.length < 4) return { kind: 'need_more' };
    return { kind: 'complete', length: (buf[3] as number) + OVERHEAD };
  },
  verify(frame) {
    if (frame[frame.length - 1] !== JBD_END) return 'bad_end_byte';
    const n = frame.length;
    return jbdChecksum(frame, 2, n - 3) === u16(frame, n - 3) ? null : 'bad_checksum';
  },
};

export function jbdChecksum(bytes: Uint8Array, from: number, to: number): number {
  return (0x10000 - sum(bytes, from, to)) & 0xffff;
}

/** DD A5 <register> 00 <cs> 77: a read request with no data. */
export function jbdReadRequest(register: number): Buffer {
  const frame = Buffer.from([JBD_START, JBD_READ, register, 0x00, 0, 0, JBD_END]);
  frame.writeUInt16BE(jbdChecksum(frame, 2, 4), 4);
  return frame;
}

export interface JbdResponse {
  register: number;
  status: number;
  data: Buffer;
}

/** Splits a verified response frame into its parts. */
export function jbdResponse(frame: Buffer): JbdResponse {
  return { register: frame[1] as number, status: frame[2] as number, data: frame.subarray(4, frame.length - 3) };
}

/** Protection status word of register 0x03 (bytes 16-17), bit by bit. */
export const JBD_PROTECTION_BITS = [
  'cell_overvoltage', 'cell_undervoltage', 'pack_overvoltage', 'pack_undervoltage',
  'charge_overtemperature', 'charge_undertemperature', 'discharge_overtemperature', 'discharge_undertemperature',
  'charge_overcurrent', 'discharge_overcurrent', 'short_circuit', 'frontend_ic_error',
  'mosfet_software_lock',
] as const;

export interface JbdBasicInfo {
  packVoltageV: number;
  /** Positive while charging (the BMS's own sign convention). */
  currentA: number;
  remainingCapacityAh: number;
  nominalCapacityAh: number;
  cycles: number;
  protectionFlags: number;
  alarms: string[];
  /** Undefined when refused (above 100 %; see `refusals`). */
  socPct?: number;
  fetChargeOn: boolean;
  fetDischargeOn: boolean;
  cellCount: number;
  ntcCount: number;
  temperaturesC: number[];
  refusals: Refusal[];
}

export const JBD_BASIC_FRAME = 'jbd 0x03 basic info';

/** Decodes register 0x03; null when the data is shorter than the fields it announces. */
export function decodeJbdBasicInfo(data: Uint8Array): JbdBasicInfo | null {
  if (data.length < 23) return null;
  const ntcCount = data[22] as number;
  if (data.length < 23 + 2 * ntcCount) return null;
  const temperaturesC: number[] = [];
  for (let i = 0; i < ntcCount; i++) temperaturesC.push(round((u16(data, 23 + 2 * i) - 2731) / 10, 1));
  const protectionFlags = u16(data, 16);
  const fet = data[20] as number;
  const soc = data[19] as number;
  const refusals: Refusal[] = [];
  if (soc > 100) refusals.push({ frame: JBD_BASIC_FRAME, field: 'byte 19 state of charge', raw: soc, message: `${soc} % is above 100 %` });
  return {
    packVoltageV: round(u16(data, 0) * 0.01, 2),
    currentA: round(s16(data, 2) * 0.01, 2),
    remainingCapacityAh: round(u16(data, 4) * 0.01, 2),
    nominalCapacityAh: round(u16(data, 6) * 0.01, 2),
    cycles: u16(data, 8),
    protectionFlags,
    alarms: namedBits(protectionFlags, JBD_PROTECTION_BITS, 'jbd_protection'),
    ...(soc <= 100 ? { socPct: soc } : {}),
    fetChargeOn: (fet & 0x01) !== 0,
    fetDischargeOn: (fet & 0x02) !== 0,
    cellCount: data[21] as number,
    ntcCount,
    temperaturesC,
    refusals,
  };
}

/** Decodes register 0x04: one big-endian mV value per cell. */
export function decodeJbdCellVoltages(data: Uint8Array): number[] | null {
  if (data.length % 2 !== 0) return null;
  const cells: number[] = [];
  for (let i = 0; i < data.length; i += 2) cells.push(round(u16(data, i) / 1000, 3));
  return cells;
}

/** Register 0x05: the hardware version as ASCII. */
export function decodeJbdVersion(data: Uint8Array): string {
  return Buffer.from(data).toString('latin1');
}

function basicContribution(info: JbdBasicInfo): Contribution {
  return {
    signals: {
      packVoltageV: info.packVoltageV,
      packCurrentA: info.currentA,
      socPct: info.socPct,
      remainingCapacityAh: info.remainingCapacityAh,
      fullCapacityAh: info.nominalCapacityAh,
      cycleCount: info.cycles,
      alarmFlags: info.alarms,
    },
    temperaturesC: info.temperaturesC,
    refusals: info.refusals,
  };
}

function jbdStep(register: number, decode: (data: Buffer) => Contribution | null) {
  return {
    request: jbdReadRequest(register),
    handle(frame: Buffer) {
      const r = jbdResponse(frame);
      if (r.register !== register) return { kind: 'unexpected' as const };
      if (r.status !== 0) return { kind: 'rejected' as const, reason: 'device_error' };
      return decode(r.data) ?? { kind: 'rejected' as const, reason: 'malformed_frame' };
    },
  };
}

export const jbdProtocol: BmsProtocol = {
  name: 'jbd',
  defaultBaudRate: 9600,
  spec: jbdFrameSpec,
  newCycle(options: ProtocolOptions) {
    return new StepCycle(
      [
        jbdStep(JBD_REG_BASIC, (d) => {
          const info = decodeJbdBasicInfo(d);
          return info && basicContribution(info);
        }),
        jbdStep(JBD_REG_CELLS, (d) => {
          const cells = decodeJbdCellVoltages(d);
          return cells && { signals: { cellVoltagesV: cells } };
        }),
      ],
      options.invertCurrent,
    );
  },
};
