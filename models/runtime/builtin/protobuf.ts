/**
 * The protobuf wire format, read-only, as much of it as an ONNX file uses: varints (int32, int64,
 * enums), fixed32 floats, fixed64 doubles and length-delimited fields (strings, bytes, messages,
 * packed repeated scalars). Invariants: a read never goes past the end of its message (a truncated
 * or overlong field throws with its byte offset), and int64 values outside ±2^53 throw rather than
 * come back rounded, because a node id or a dimension read wrong is a silently wrong model.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH = 2;
export const WIRE_FIXED32 = 5;

export class ProtobufError extends Error {}

/** One field as it appears on the wire; `bytes` for length-delimited, `value` for the rest. */
export interface WireField {
  readonly field: number;
  readonly wire: number;
  readonly offset: number;
  readonly value: number;
  readonly bytes: Uint8Array;
  /** File offset of `bytes`, so errors inside a sub-message name where they are. */
  readonly dataOffset: number;
}

const EMPTY = new Uint8Array(0);
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export class ProtobufReader {
  private pos = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array, private readonly base = 0) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  private fail(message: string): never {
    throw new ProtobufError(`${message} at byte ${this.base + this.pos}`);
  }

  /** A varint as a safe integer; int64 negatives (ten bytes, two's complement) come back negative. */
  varint(): number {
    let low = 0;
    let shift = 0;
    let i = 0;
    for (; i < 4; i++) { // the first 28 bits fit a 32-bit int without sign trouble
      if (this.pos >= this.buf.length) this.fail('truncated varint');
      const b = this.buf[this.pos++]!;
      low |= (b & 0x7f) << shift;
      if (b < 0x80) return low;
      shift += 7;
    }
    let big = BigInt(low);
    let bigShift = 28n;
    for (; i < 10; i++) {
      if (this.pos >= this.buf.length) this.fail('truncated varint');
      const b = this.buf[this.pos++]!;
      big |= BigInt(b & 0x7f) << bigShift;
      if (b < 0x80) {
        const signed = BigInt.asIntN(64, big);
        if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER)) this.fail(`integer ${signed} out of range`);
        return Number(signed);
      }
      bigShift += 7n;
    }
    return this.fail('varint longer than 10 bytes');
  }

  float32(): number {
    if (this.pos + 4 > this.buf.length) this.fail('truncated fixed32');
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  float64(): number {
    if (this.pos + 8 > this.buf.length) this.fail('truncated fixed64');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  private lengthDelimited(): Uint8Array {
    const length = this.varint();
    if (length < 0 || this.pos + length > this.buf.length) this.fail(`length ${length} runs past the end of the message`);
    const bytes = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return bytes;
  }

  /** The next field; groups (wire types 3 and 4, unused by ONNX) are refused. */
  next(): WireField {
    const offset = this.base + this.pos;
    const key = this.varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 0) this.fail('field number 0');
    switch (wire) {
      case WIRE_VARINT: return { field, wire, offset, value: this.varint(), bytes: EMPTY, dataOffset: offset };
      case WIRE_FIXED64: return { field, wire, offset, value: this.float64(), bytes: EMPTY, dataOffset: offset };
      case WIRE_FIXED32: return { field, wire, offset, value: this.float32(), bytes: EMPTY, dataOffset: offset };
      case WIRE_LENGTH: {
        const bytes = this.lengthDelimited();
        return { field, wire, offset, value: 0, bytes, dataOffset: this.base + this.pos - bytes.length };
      }
      default: return this.fail(`unsupported wire type ${wire} (field ${field})`);
    }
  }

  /** A reader over a length-delimited field's bytes, keeping byte offsets relative to the file. */
  static sub(parent: WireField): ProtobufReader {
    return new ProtobufReader(parent.bytes, parent.dataOffset);
  }
}

export const utf8 = (bytes: Uint8Array): string => UTF8.decode(bytes);

/** Repeated varints: packed (one length-delimited field) or one field per value; both are legal. */
export function pushInts(into: number[], f: WireField): void {
  if (f.wire === WIRE_VARINT) { into.push(f.value); return; }
  if (f.wire !== WIRE_LENGTH) throw new ProtobufError(`field ${f.field} at byte ${f.offset}: expected integers, wire type ${f.wire}`);
  const r = ProtobufReader.sub(f);
  while (!r.done) into.push(r.varint());
}

/** Repeated floats: packed or one fixed32 field per value. */
export function pushFloats(into: number[], f: WireField): void {
  if (f.wire === WIRE_FIXED32) { into.push(f.value); return; }
  if (f.wire !== WIRE_LENGTH) throw new ProtobufError(`field ${f.field} at byte ${f.offset}: expected floats, wire type ${f.wire}`);
  if (f.bytes.length % 4 !== 0) throw new ProtobufError(`field ${f.field} at byte ${f.offset}: packed floats of ${f.bytes.length} bytes`);
  const r = ProtobufReader.sub(f);
  while (!r.done) into.push(r.float32());
}
