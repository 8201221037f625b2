/**
 * DBC parser: text in, a DbcDatabase out, or a DbcSyntaxError naming file, line and column.
 *
 * Parsed: VERSION, BU_, BO_ (standard and extended ids), SG_ (both byte orders, signedness,
 * factor/offset, range, unit, receivers, simple `M`/`mN` and extended `mNM` multiplexing), VAL_,
 * VAL_TABLE_, CM_, BA_ (message and signal attributes kept as plain values), SIG_VALTYPE_ and
 * SG_MUL_VAL_. Everything else (NS_ lists, BA_DEF_*, EV_, SIG_GROUP_, BO_TX_BU_, unknown keywords)
 * is skipped: to the `;` that ends it, or to the next keyword that starts a line.
 */
import { readFileSync } from 'node:fs';
import { KEYWORDS, TokenCursor } from './dbc-cursor.js';
import { tokenize, type Token } from './dbc-lexer.js';
import { frameKey, type DbcDatabase, type DbcMessage, type DbcSignal } from './dbc-model.js';

const EXTENDED_FLAG = 0x8000_0000;

/** Reads a DBC as UTF-8 when it is valid UTF-8, else as Latin-1 (older tools write Windows-1252). */
export function parseDbcFile(path: string): DbcDatabase {
  const bytes = readFileSync(path);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = bytes.toString('latin1');
  }
  return parseDbc(text, path);
}

export function parseDbc(text: string, file = '<dbc>'): DbcDatabase {
  return new DbcParser(tokenize(text, file), file).parse();
}

class DbcParser extends TokenCursor {
  private readonly db: DbcDatabase;
  private readonly byKey = new Map<number, DbcMessage>();
  private current: DbcMessage | undefined;

  constructor(tokens: Token[], file: string) {
    super(tokens, file);
    this.db = { file, version: '', nodes: [], messages: [], valueTables: new Map(), warnings: [] };
  }

  parse(): DbcDatabase {
    while (this.peek().kind !== 'eof') this.statement();
    for (const message of this.db.messages) this.resolveMultiplexing(message);
    return this.db;
  }

  /** Simple `mN` signals (no SG_MUL_VAL_) are switched by the message's one top-level `M` signal. */
  private resolveMultiplexing(message: DbcMessage): void {
    const topLevel = message.signals.filter((s) => s.isMultiplexer && !s.mux);
    for (const signal of message.signals) {
      if (!signal.mux || signal.mux.switchName !== '') continue;
      if (topLevel.length === 1) signal.mux.switchName = (topLevel[0] as DbcSignal).name;
      else {
        this.db.warnings.push(`${message.name}.${signal.name}: multiplexed but the message has ${topLevel.length} top-level multiplexers; never decoded`);
      }
    }
  }

  // --- statements ----------------------------------------------------------------------------
  private statement(): void {
    const t = this.next();
    if (t.kind !== 'ident') {
      if (t.kind === 'punct' && t.text === ';') return; // stray terminator
      this.fail(t, `expected a keyword at the start of a statement, found ${this.describe(t)}`);
    }
    switch (t.text) {
      case 'VERSION':
        this.db.version = this.expectString('version');
        return;
      case 'NS_':
        // The symbol list: indented names on the following lines.
        if (this.isPunct(':')) this.pos++;
        while (this.peek().kind === 'ident' && !(this.peek().firstOnLine && this.peek().column === 1)) this.pos++;
        return;
      case 'BU_':
        if (this.isPunct(':')) this.pos++;
        while (this.peek().kind === 'ident' && (this.peek().line === t.line || !KEYWORDS.has(this.peek().text))) this.db.nodes.push(this.next().text);
        return;
      case 'BO_':
        return this.message();
      case 'SG_':
        return this.signal(t);
      case 'CM_':
        return this.comment();
      case 'BA_':
        return this.attribute();
      case 'VAL_':
        return this.valueDescriptions();
      case 'VAL_TABLE_':
        return this.valueTable();
      case 'SIG_VALTYPE_':
        return this.signalValueType();
      case 'SG_MUL_VAL_':
        return this.extendedMultiplexing();
      default:
        // BS_, BA_DEF_*, EV_, SIG_GROUP_, BO_TX_BU_ and anything unknown: tolerated, not needed to decode.
        this.current = t.text === 'BS_' ? undefined : this.current;
        this.skipStatement();
    }
  }

  private message(): void {
    const idToken = this.peek();
    const rawId = this.expectInt('message id', 0, 0xffff_ffff);
    const name = this.expectIdent('message name');
    this.expectPunct(':');
    const length = this.expectInt('message length', 0, 64);
    const sender = this.peek().kind === 'ident' && this.peek().line === idToken.line ? this.next().text : '';
    const extended = (rawId & EXTENDED_FLAG) !== 0;
    const id = rawId & 0x1fff_ffff;
    if (!extended && id > 0x7ff) this.fail(idToken, `standard message id ${rawId} exceeds 0x7FF`);
    const message: DbcMessage = { id, extended, name, length, sender, signals: [], attributes: {} };
    const key = frameKey(id, extended);
    if (this.byKey.has(key)) this.db.warnings.push(`line ${idToken.line}: duplicate message id 0x${id.toString(16)} (${name}); the first definition is kept`);
    else this.byKey.set(key, message);
    this.db.messages.push(message);
    this.current = message;
  }

  private signal(start: Token): void {
    if (!this.current) this.fail(start, 'SG_ outside a BO_ message');
    const name = this.expectIdent('signal name');
    let isMultiplexer = false;
    let muxValue: number | undefined;
    if (this.peek().kind === 'ident') {
      const muxToken = this.next();
      const m = /^(?:(M)|m(\d+)(M?))$/.exec(muxToken.text);
      if (!m) this.fail(muxToken, `expected a multiplexer indicator (M or mN), found "${muxToken.text}"`);
      isMultiplexer = m[1] === 'M' || m[3] === 'M';
      if (m[2] !== undefined) muxValue = Number(m[2]);
    }
    this.expectPunct(':');
    const startBit = this.expectInt('start bit', 0, 511);
    this.expectPunct('|');
    const length = this.expectInt('signal length', 1, 512);
    this.expectPunct('@');
    const orderToken = this.next();
    // `@1+` lexes as number "1" then "+"; some writers glue the sign into the number token.
    if (orderToken.kind !== 'number' || (orderToken.text !== '0' && orderToken.text !== '1')) this.fail(orderToken, `expected byte order 0 or 1 after "@", found ${this.describe(orderToken)}`);
    const signToken = this.next();
    if (signToken.kind !== 'punct' || (signToken.text !== '+' && signToken.text !== '-')) this.fail(signToken, `expected "+" or "-" (signedness), found ${this.describe(signToken)}`);
    this.expectPunct('(');
    const factor = this.expectNumber('factor');
    this.expectPunct(',');
    const offset = this.expectNumber('offset');
    this.expectPunct(')');
    this.expectPunct('[');
    const min = this.expectNumber('minimum');
    this.expectPunct('|');
    const max = this.expectNumber('maximum');
    this.expectPunct(']');
    const unit = this.expectString('unit');
    const receivers: string[] = [];
    const line = this.peek(-1).line;
    while ((this.peek().kind === 'ident' || this.isPunct(',')) && this.peek().line === line) {
      const r = this.next();
      if (r.kind === 'ident') receivers.push(r.text);
    }
    const byteOrder = orderToken.text === '1' ? 'little_endian' : 'big_endian';
    const signal: DbcSignal = {
      name, startBit, length, byteOrder, signed: signToken.text === '-', valueType: 'integer',
      factor, offset, min, max, unit, receivers, isMultiplexer, attributes: {},
    };
    if (muxValue !== undefined) signal.mux = { switchName: '', ranges: [[muxValue, muxValue]] };
    this.current.signals.push(signal);
  }

  /** Finds a signal for a statement that references one; unknown references are warnings, not errors. */
  private findSignal(at: Token, id: number, name: string): DbcSignal | undefined {
    const message = this.findMessage(at, id);
    const signal = message?.signals.find((s) => s.name === name);
    if (message && !signal) this.db.warnings.push(`line ${at.line}: unknown signal ${name} in message ${message.name}`);
    return signal;
  }
  private findMessage(at: Token, rawId: number): DbcMessage | undefined {
    const extended = rawId >= EXTENDED_FLAG;
    const message = this.byKey.get(frameKey(rawId & 0x1fff_ffff, extended));
    if (!message) this.db.warnings.push(`line ${at.line}: reference to unknown message id ${rawId}`);
    return message;
  }

  private comment(): void {
    const at = this.peek();
    if (at.kind === 'ident' && (at.text === 'BO_' || at.text === 'SG_')) {
      this.pos++;
      const id = this.expectInt('message id', 0, 0xffff_ffff);
      const signalName = at.text === 'SG_' ? this.expectIdent('signal name') : undefined;
      const text = this.expectString('comment');
      const target = signalName === undefined ? this.findMessage(at, id) : this.findSignal(at, id, signalName);
      if (target) target.comment = text;
      this.expectPunct(';');
      return;
    }
    this.skipStatement(); // CM_ on nodes, environment variables or the network
  }

  private attribute(): void {
    const name = this.expectString('attribute name');
    const at = this.peek();
    let target: { attributes: Record<string, string | number> } | undefined;
    if (at.kind === 'ident' && (at.text === 'BO_' || at.text === 'SG_')) {
      this.pos++;
      const id = this.expectInt('message id', 0, 0xffff_ffff);
      target = at.text === 'SG_' ? this.findSignal(at, id, this.expectIdent('signal name')) : this.findMessage(at, id);
    } else if (at.kind === 'ident' && (at.text === 'BU_' || at.text === 'EV_')) {
      this.skipStatement();
      return;
    }
    const valueToken = this.peek();
    const value = valueToken.kind === 'string' ? this.next().text : this.expectNumber(`value of attribute "${name}"`);
    if (target) target.attributes[name] = value;
    this.expectPunct(';');
  }

  private readValueList(): Map<number, string> {
    const values = new Map<number, string>();
    while (!this.isPunct(';')) {
      const value = this.expectNumber('value');
      values.set(value, this.expectString('value label'));
    }
    this.expectPunct(';');
    return values;
  }

  private valueDescriptions(): void {
    const at = this.peek();
    if (at.kind !== 'number') {
      this.skipStatement(); // VAL_ of an environment variable
      return;
    }
    const id = this.expectInt('message id', 0, 0xffff_ffff);
    const signal = this.findSignal(at, id, this.expectIdent('signal name'));
    const values = this.readValueList();
    if (signal) signal.values = values;
  }

  private valueTable(): void {
    const name = this.expectIdent('value table name');
    this.db.valueTables.set(name, this.readValueList());
  }

  private signalValueType(): void {
    const at = this.peek();
    const id = this.expectInt('message id', 0, 0xffff_ffff);
    const signal = this.findSignal(at, id, this.expectIdent('signal name'));
    if (this.isPunct(':')) this.pos++;
    const typeToken = this.peek();
    const type = this.expectInt('signal value type', 0, 2);
    this.expectPunct(';');
    if (!signal) return;
    if (type === 1 && signal.length !== 32) this.fail(typeToken, `float32 signal ${signal.name} must be 32 bits long, not ${signal.length}`);
    if (type === 2 && signal.length !== 64) this.fail(typeToken, `float64 signal ${signal.name} must be 64 bits long, not ${signal.length}`);
    signal.valueType = type === 1 ? 'float32' : type === 2 ? 'float64' : 'integer';
  }

  /** `SG_MUL_VAL_ id signal switch lo-hi, lo-hi ;` */
  private extendedMultiplexing(): void {
    const at = this.peek();
    const id = this.expectInt('message id', 0, 0xffff_ffff);
    const signal = this.findSignal(at, id, this.expectIdent('signal name'));
    const switchName = this.expectIdent('multiplexer switch name');
    const ranges: Array<[number, number]> = [];
    while (!this.isPunct(';')) {
      const lo = this.expectInt('range start', 0, Number.MAX_SAFE_INTEGER);
      this.expectPunct('-');
      const hi = this.expectInt('range end', 0, Number.MAX_SAFE_INTEGER);
      ranges.push([lo, hi]);
      if (this.isPunct(',')) this.pos++;
    }
    this.expectPunct(';');
    if (signal) signal.mux = { switchName, ranges };
  }
}
