/**
 * Where a signal's bits sit in the payload, computed once per signal so that decoding a frame is a
 * handful of byte reads, shifts and multiplies.
 *
 * Bit positions use DBC numbering: position p is bit (p % 8) of byte floor(p / 8), bit 0 = LSB.
 * - Intel (@1): the start bit is the signal's LSB; signal bit k sits at position start + k.
 * - Motorola (@0): the start bit is the signal's MSB; walking towards the LSB goes down within a
 *   byte (p - 1) and, past bit 0 of a byte, to bit 7 of the next byte (p + 15): the "sawtooth".
 * In both orders, signal bits that share a byte are contiguous in it with the signal's bit index
 * rising as the byte bit rises, so each byte contributes one (shift, mask, weight) chunk.
 */

export interface BitChunk {
  byte: number;
  /** Right shift that brings the chunk's lowest bit to bit 0 of the byte. */
  shift: number;
  mask: number;
  /** 2 ** (index in the signal of the chunk's lowest bit). Multiplication keeps 53-bit exactness. */
  weight: number;
  /** Same as weight, as a bigint, for signals longer than 52 bits. */
  bigShift: bigint;
}

export interface BitLayout {
  chunks: BitChunk[];
  /** Payload bytes the signal needs: a shorter frame cannot carry it. */
  bytesNeeded: number;
}

/** Computes the chunks of a signal. `startBit` and `length` must describe bits inside 0..511. */
export function bitLayout(startBit: number, length: number, bigEndian: boolean): BitLayout {
  // positions[k] = payload bit position of signal bit k (k = 0 is the LSB).
  const positions: number[] = new Array<number>(length);
  if (!bigEndian) {
    for (let k = 0; k < length; k++) positions[k] = startBit + k;
  } else {
    let p = startBit;
    for (let k = length - 1; k >= 0; k--) {
      positions[k] = p;
      p = p % 8 === 0 ? p + 15 : p - 1;
    }
  }
  const chunks: BitChunk[] = [];
  let bytesNeeded = 0;
  let k = 0;
  while (k < length) {
    const first = positions[k] as number;
    const byte = first >> 3;
    let n = 1;
    while (k + n < length && (positions[k + n] as number) === first + n && ((first + n) >> 3) === byte) n++;
    chunks.push({ byte, shift: first & 7, mask: (1 << n) - 1, weight: 2 ** k, bigShift: BigInt(k) });
    bytesNeeded = Math.max(bytesNeeded, byte + 1);
    k += n;
  }
  return { chunks, bytesNeeded };
}

/** Raw unsigned value of a signal of at most 52 bits (exact in a double). */
export function extractUnsigned(data: Uint8Array, chunks: BitChunk[]): number {
  let raw = 0;
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i] as BitChunk;
    raw += (((data[c.byte] as number) >> c.shift) & c.mask) * c.weight;
  }
  return raw;
}

/** Raw unsigned value of any length, as a bigint (for 53..64-bit and float64 signals). */
export function extractUnsignedBig(data: Uint8Array, chunks: BitChunk[]): bigint {
  let raw = 0n;
  for (const c of chunks) raw |= BigInt(((data[c.byte] as number) >> c.shift) & c.mask) << c.bigShift;
  return raw;
}
