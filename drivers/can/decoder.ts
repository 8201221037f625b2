/**
 * Frame decoder: (id, extended, payload) -> physical signal values, precompiled per message.
 *
 * Compilation (once per DBC) turns each signal into byte chunks (bit-layout.ts), resolves its
 * multiplexer to an index and orders signals so that a switch is always decoded before the signals
 * it selects. Decoding then never allocates beyond the output. Frames with ids the DBC lacks are
 * counted per id; signals that do not fit a short frame are left out and counted. Nothing throws.
 */
import { bitLayout, extractUnsigned, extractUnsignedBig, type BitChunk } from './bit-layout.js';
import { frameKey, INDEPENDENT_SIGNALS_MESSAGE, type DbcDatabase, type DbcMessage, type DbcSignal } from './dbc-model.js';

export interface CanFrame {
  id: number;
  extended: boolean;
  data: Uint8Array;
}

export interface DecodedSignal {
  name: string;
  /** Physical value: raw * factor + offset (or the IEEE value for float signals). */
  value: number;
  raw: number;
  unit: string;
  /** VAL_ label of the raw value, when the DBC has one. */
  label?: string;
}

export interface DecodedFrame {
  message: DbcMessage;
  signals: DecodedSignal[];
}

interface CompiledSignal {
  def: DbcSignal;
  chunks: BitChunk[];
  bytesNeeded: number;
  /** Index into the message's compiled signals of the switch, or -1 when not multiplexed. */
  switchIndex: number;
  ranges: Array<[number, number]>;
  big: boolean;
}

interface CompiledMessage {
  def: DbcMessage;
  signals: CompiledSignal[];
}

export interface DecoderStats {
  decodedFrames: number;
  /** Frames whose id the DBC does not define, per id key (see frameKey). */
  unknownIds: Map<number, number>;
  /** Signals skipped because the frame was shorter than the signal's last byte. */
  truncatedSignals: number;
}

export interface DecoderOptions {
  /** Decode only these signals of each message (plus the switches they depend on). */
  onlySignals?: (message: DbcMessage, signal: DbcSignal) => boolean;
}

const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const f64Bits = new BigUint64Array(f64.buffer);

export class CanDecoder {
  readonly stats: DecoderStats = { decodedFrames: 0, unknownIds: new Map(), truncatedSignals: 0 };
  private readonly messages = new Map<number, CompiledMessage>();

  constructor(db: DbcDatabase, options: DecoderOptions = {}) {
    for (const message of db.messages) {
      if (message.name === INDEPENDENT_SIGNALS_MESSAGE) continue;
      const key = frameKey(message.id, message.extended);
      if (!this.messages.has(key)) this.messages.set(key, compileMessage(message, options));
    }
  }

  /** The message a frame id maps to, if any. */
  messageFor(id: number, extended: boolean): DbcMessage | undefined {
    return this.messages.get(frameKey(id, extended))?.def;
  }

  /** Decodes one frame; undefined (and counted) when the DBC has no message with this id. */
  decode(frame: CanFrame): DecodedFrame | undefined {
    const key = frameKey(frame.id, frame.extended);
    const compiled = this.messages.get(key);
    if (!compiled) {
      this.stats.unknownIds.set(key, (this.stats.unknownIds.get(key) ?? 0) + 1);
      return undefined;
    }
    this.stats.decodedFrames++;
    const data = frame.data;
    const out: DecodedSignal[] = [];
    // raws[i] is the raw value of compiled signal i in this frame, or NaN when it was not decoded.
    const raws = new Float64Array(compiled.signals.length).fill(Number.NaN);
    for (let i = 0; i < compiled.signals.length; i++) {
      const s = compiled.signals[i] as CompiledSignal;
      if (s.switchIndex >= 0 && !selected(raws[s.switchIndex] as number, s.ranges)) continue;
      if (s.bytesNeeded > data.length) {
        this.stats.truncatedSignals++;
        continue;
      }
      const raw = rawValue(s, data);
      raws[i] = raw;
      const def = s.def;
      let value: number;
      if (def.valueType === 'float32') {
        f32Bits[0] = raw >>> 0;
        value = (f32[0] as number) * def.factor + def.offset;
      } else if (def.valueType === 'float64') {
        f64Bits[0] = extractUnsignedBig(data, s.chunks);
        value = (f64[0] as number) * def.factor + def.offset;
      } else value = raw * def.factor + def.offset;
      const decoded: DecodedSignal = { name: def.name, value, raw, unit: def.unit };
      const label = def.values?.get(raw);
      if (label !== undefined) decoded.label = label;
      out.push(decoded);
    }
    return { message: compiled.def, signals: out };
  }
}

function selected(switchRaw: number, ranges: Array<[number, number]>): boolean {
  if (Number.isNaN(switchRaw)) return false;
  for (const [lo, hi] of ranges) if (switchRaw >= lo && switchRaw <= hi) return true;
  return false;
}

/** Raw integer value with sign extension. Over 52 bits the bigint path keeps the value exact-ish. */
function rawValue(s: CompiledSignal, data: Uint8Array): number {
  const length = s.def.length;
  if (!s.big) {
    const raw = extractUnsigned(data, s.chunks);
    if (s.def.signed && s.def.valueType === 'integer' && raw >= 2 ** (length - 1)) return raw - 2 ** length;
    return raw;
  }
  const raw = extractUnsignedBig(data, s.chunks);
  return Number(s.def.signed ? BigInt.asIntN(length, raw) : raw);
}

function compileMessage(message: DbcMessage, options: DecoderOptions): CompiledMessage {
  const byName = new Map(message.signals.map((s) => [s.name, s]));
  // Keep a signal if wanted, and every switch on the path to a kept signal.
  const keep = new Set<DbcSignal>();
  const want = (s: DbcSignal, depth: number): void => {
    if (keep.has(s) || depth > 16) return;
    keep.add(s);
    const parent = s.mux ? byName.get(s.mux.switchName) : undefined;
    if (parent) want(parent, depth + 1);
  };
  for (const s of message.signals) if (!options.onlySignals || options.onlySignals(message, s)) want(s, 0);
  // Order by mux depth so switches come first; signals whose switch is missing are never decoded.
  const depth = (s: DbcSignal, seen = 0): number => {
    if (!s.mux) return 0;
    const parent = byName.get(s.mux.switchName);
    return !parent || seen > 16 || parent === s ? Number.POSITIVE_INFINITY : 1 + depth(parent, seen + 1);
  };
  const ordered = [...keep].map((s) => ({ s, d: depth(s) })).filter((x) => Number.isFinite(x.d)).sort((a, b) => a.d - b.d);
  const index = new Map(ordered.map((x, i) => [x.s.name, i]));
  const signals = ordered.map(({ s }): CompiledSignal => {
    const layout = bitLayout(s.startBit, s.length, s.byteOrder === 'big_endian');
    return {
      def: s,
      chunks: layout.chunks,
      bytesNeeded: layout.bytesNeeded,
      switchIndex: s.mux ? (index.get(s.mux.switchName) ?? -1) : -1,
      ranges: s.mux?.ranges ?? [],
      big: s.length > 52,
    };
  });
  return { def: message, signals };
}
