/**
 * Registers to values. Pure and allocation-light: this runs for every point of every poll.
 *
 * Orders: `byte_order` is the order of the two bytes inside each 16-bit register (big = the Modbus
 * standard, high byte first); `word_order` is the order of the registers of a multi-register value
 * (big = most significant register first, as SunSpec and most devices do; little = "word swapped",
 * e.g. Schneider/Enron style CDAB).
 */
import { ModbusDecodeError } from './errors.js';

export const VALUE_TYPES = [
  'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64', 'string', 'bool',
] as const;
export type ValueType = (typeof VALUE_TYPES)[number];
export type Order = 'big' | 'little';

/** Registers a type occupies; strings take their count from the map. */
export const TYPE_REGISTERS: Readonly<Record<Exclude<ValueType, 'string'>, number>> = {
  int16: 1, uint16: 1, int32: 2, uint32: 2, int64: 4, uint64: 4, float32: 2, float64: 4, bool: 1,
};

export function isIntegerType(type: ValueType): boolean {
  return type !== 'float32' && type !== 'float64' && type !== 'string';
}

const scratch = new DataView(new ArrayBuffer(8));

/**
 * Decode `count` words starting at `at` of `words` (register values 0..65535, or 0/1 for bits).
 * Throws only ModbusDecodeError. 64-bit integers lose precision above 2^53 (JSON has no int64).
 */
export function decodeValue(
  words: ArrayLike<number>,
  at: number,
  type: ValueType,
  count: number,
  wordOrder: Order = 'big',
  byteOrder: Order = 'big',
): number | string {
  if (!Number.isInteger(at) || at < 0 || at + count > words.length || count < 1) {
    throw new ModbusDecodeError(`${type} needs ${count} register(s) at index ${at}, got ${words.length}`);
  }
  if (type === 'bool') return checkedWord(words, at) === 0 ? 0 : 1;
  if (type === 'string') return decodeString(words, at, count, byteOrder);
  const size = TYPE_REGISTERS[type];
  if (count !== size) throw new ModbusDecodeError(`${type} takes ${size} register(s), not ${count}`);
  for (let i = 0; i < size; i++) {
    // Big word order: register i is the i-th most significant; little: the reverse.
    const word = checkedWord(words, at + (wordOrder === 'big' ? i : size - 1 - i));
    const hi = byteOrder === 'big' ? word >> 8 : word & 0xff;
    const lo = byteOrder === 'big' ? word & 0xff : word >> 8;
    scratch.setUint8(2 * i, hi);
    scratch.setUint8(2 * i + 1, lo);
  }
  switch (type) {
    case 'int16': return scratch.getInt16(0);
    case 'uint16': return scratch.getUint16(0);
    case 'int32': return scratch.getInt32(0);
    case 'uint32': return scratch.getUint32(0);
    case 'int64': return Number(scratch.getBigInt64(0));
    case 'uint64': return Number(scratch.getBigUint64(0));
    case 'float32': return scratch.getFloat32(0);
    case 'float64': return scratch.getFloat64(0);
  }
}

function checkedWord(words: ArrayLike<number>, index: number): number {
  const word = words[index];
  if (typeof word !== 'number' || !Number.isInteger(word) || word < 0 || word > 0xffff) {
    throw new ModbusDecodeError(`register at index ${index} is ${String(word)}, not a 16-bit value`);
  }
  return word;
}

/** Two ASCII characters per register; stops at the first NUL (Alfen, Victron), trims padding. */
function decodeString(words: ArrayLike<number>, at: number, count: number, byteOrder: Order): string {
  let out = '';
  for (let i = 0; i < count; i++) {
    const word = checkedWord(words, at + i);
    const pair = byteOrder === 'big' ? [word >> 8, word & 0xff] : [word & 0xff, word >> 8];
    for (const code of pair) {
      if (code === 0) return out.trim();
      out += String.fromCharCode(code);
    }
  }
  return out.trim();
}
