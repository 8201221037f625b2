/**
 * Decoder golden cases: register values written by Python's struct (big-endian, ">f", ">i", ...)
 * and the same values rearranged as word-swapped (CDAB), byte-swapped (BADC) and fully swapped
 * (DCBA) devices send them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeValue, VALUE_TYPES, TYPE_REGISTERS, type Order, type ValueType } from './decode.js';
import { ModbusDecodeError } from './errors.js';

/** Registers of a big-endian (ABCD) value rearranged for the given orders. */
function arrange(bigEndianWords: number[], wordOrder: Order, byteOrder: Order): number[] {
  const words = wordOrder === 'big' ? [...bigEndianWords] : [...bigEndianWords].reverse();
  return byteOrder === 'big' ? words : words.map((w) => ((w & 0xff) << 8) | (w >> 8));
}

const GOLDEN: Array<{ type: ValueType; words: number[]; value: number }> = [
  { type: 'int16', words: [0xfffe], value: -2 },
  { type: 'int16', words: [0x7fff], value: 32767 },
  { type: 'uint16', words: [0xfffe], value: 65534 },
  { type: 'int32', words: [0xf8a4, 0x32eb], value: -123456789 },
  { type: 'uint32', words: [0xb2d0, 0x5e00], value: 3_000_000_000 },
  { type: 'int64', words: [0xffff, 0xfffd, 0xb34f, 0xe916], value: -9_876_543_210 },
  { type: 'uint64', words: [0x1f, 0xffff, 0xffff, 0xffff], value: 2 ** 53 - 1 },
  { type: 'float32', words: [0x42f6, 0xe979], value: 123.45600128173828 },
  { type: 'float32', words: [0xbe20, 0x0000], value: -0.15625 },
  { type: 'float64', words: [0x4093, 0x4a45, 0x6d5c, 0xfaad], value: 1234.5678 },
];
const ORDERS: Array<[Order, Order]> = [['big', 'big'], ['little', 'big'], ['big', 'little'], ['little', 'little']];

describe('decodeValue', () => {
  for (const { type, words, value } of GOLDEN) {
    for (const [wordOrder, byteOrder] of ORDERS) {
      it(`${type} ${value} with word_order ${wordOrder}, byte_order ${byteOrder}`, () => {
        const registers = arrange(words, wordOrder, byteOrder);
        expect(decodeValue(registers, 0, type, words.length, wordOrder, byteOrder)).toBe(value);
      });
    }
  }

  it('reads a value in the middle of a longer response', () => {
    expect(decodeValue([1, 2, 0xb2d0, 0x5e00, 3], 2, 'uint32', 2)).toBe(3_000_000_000);
  });

  it('decodes word-swapped data wrongly when told the wrong order (the orders really matter)', () => {
    expect(decodeValue([0x5e00, 0xb2d0], 0, 'uint32', 2, 'big')).not.toBe(3_000_000_000);
    expect(decodeValue([0x5e00, 0xb2d0], 0, 'uint32', 2, 'little')).toBe(3_000_000_000);
  });

  it('decodes NUL-terminated ASCII strings in both byte orders', () => {
    expect(decodeValue([0x4332, 0x0000, 0x4141], 0, 'string', 3)).toBe('C2');
    expect(decodeValue([0x3243, 0x0000], 0, 'string', 2, 'big', 'little')).toBe('C2');
    expect(decodeValue([0x4131, 0x2020], 0, 'string', 2)).toBe('A1');
  });

  it('decodes bits as 0/1', () => {
    expect(decodeValue([0, 1, 1], 1, 'bool', 1)).toBe(1);
    expect(decodeValue([0, 1], 0, 'bool', 1)).toBe(0);
  });

  it('throws ModbusDecodeError for too few registers, out-of-range words and wrong counts', () => {
    expect(() => decodeValue([1], 0, 'uint32', 2)).toThrow(ModbusDecodeError);
    expect(() => decodeValue([1, 2], 1, 'uint32', 2)).toThrow(/needs 2 register/);
    expect(() => decodeValue([70000], 0, 'uint16', 1)).toThrow(/not a 16-bit value/);
    expect(() => decodeValue([Number.NaN], 0, 'int16', 1)).toThrow(ModbusDecodeError);
    expect(() => decodeValue([1, 2], 0, 'uint32', 1)).toThrow(/takes 2 register/);
  });

  it('never throws anything but ModbusDecodeError, whatever the registers (property)', () => {
    const word = fc.oneof(
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer(),
      fc.double(),
      fc.constantFrom(Number.NaN, Infinity, -1, 65536),
    );
    fc.assert(
      fc.property(
        fc.array(word, { maxLength: 10 }),
        fc.integer({ min: -2, max: 12 }),
        fc.constantFrom(...VALUE_TYPES),
        fc.integer({ min: -1, max: 6 }),
        fc.constantFrom<Order>('big', 'little'),
        fc.constantFrom<Order>('big', 'little'),
        (words, at, type, count, wordOrder, byteOrder) => {
          try {
            const value = decodeValue(words, at, type, count, wordOrder, byteOrder);
            expect(['number', 'string']).toContain(typeof value);
          } catch (error) {
            if (!(error instanceof ModbusDecodeError)) throw error;
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('decodes every valid register array of the right size without throwing (property)', () => {
    const fixed = VALUE_TYPES.filter((t): t is Exclude<ValueType, 'string'> => t !== 'string');
    fc.assert(
      fc.property(fc.constantFrom(...fixed), fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 4, maxLength: 4 }), (type, words) => {
        const value = decodeValue(words, 0, type, TYPE_REGISTERS[type]);
        expect(typeof value).toBe('number');
      }),
      { numRuns: 2000 },
    );
  });
});
