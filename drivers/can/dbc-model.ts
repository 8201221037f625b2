/**
 * The in-memory model of a DBC file, as the parser produces it and the decoder compiles it.
 * Ids are the bare 11- or 29-bit CAN identifier; `extended` carries the DBC's 0x80000000 flag.
 */

export type ByteOrder = 'little_endian' | 'big_endian';

/** Which values of which switch signal select a multiplexed signal (inclusive ranges). */
export interface MuxCondition {
  switchName: string;
  ranges: Array<[number, number]>;
}

export interface DbcSignal {
  name: string;
  /** DBC start bit: the LSB for Intel (@1), the MSB in sawtooth numbering for Motorola (@0). */
  startBit: number;
  length: number;
  byteOrder: ByteOrder;
  signed: boolean;
  /** 'integer' unless SIG_VALTYPE_ says 1 (IEEE float32) or 2 (float64). */
  valueType: 'integer' | 'float32' | 'float64';
  factor: number;
  offset: number;
  min: number;
  max: number;
  unit: string;
  receivers: string[];
  /** True for `M` and `mNM`: other signals of the message are selected by this one's raw value. */
  isMultiplexer: boolean;
  /** Set for `mN` / `mNM` signals (and refined by SG_MUL_VAL_). */
  mux?: MuxCondition;
  comment?: string;
  /** VAL_ table: raw value -> label. */
  values?: Map<number, string>;
  attributes: Record<string, string | number>;
}

export interface DbcMessage {
  id: number;
  extended: boolean;
  name: string;
  /** Declared payload length in bytes (DBC "DLC"; up to 64 for CAN FD). */
  length: number;
  sender: string;
  signals: DbcSignal[];
  comment?: string;
  attributes: Record<string, string | number>;
}

export interface DbcDatabase {
  file: string;
  version: string;
  nodes: string[];
  messages: DbcMessage[];
  /** Named VAL_TABLE_ entries (shared value tables). */
  valueTables: Map<string, Map<number, string>>;
  /** Non-fatal oddities (duplicate ids, references to unknown messages), for logs. */
  warnings: string[];
}

/** The pseudo-message some tools use to park unassigned signals; never on a bus. */
export const INDEPENDENT_SIGNALS_MESSAGE = 'VECTOR__INDEPENDENT_SIG_MSG';

/** Key of a message in lookup maps: extended ids are kept apart from standard ones. */
export function frameKey(id: number, extended: boolean): number {
  return extended ? id + 0x1_0000_0000 : id;
}
