/**
 * Vector ASC logs. Header lines set the time base:
 *   `date Wed, 08 Nov 2023 21:17:01 GMT` (or Vector's own `date Wed Nov 8 09:17:01.123 pm 2023`)
 *   `base hex  timestamps absolute` (ids in hex or dec; times from the start, or deltas)
 * Frame rows: `   0.083540 0  594\tRx   d 8 34 21 34 21 A0 62 01 20` (`594x` = extended id; `r` =
 * remote, skipped) and CAN FD rows `0.1 CANFD 1 Rx 594 [name] BRS ESI DLC LEN bytes...`.
 * With a readable date, frame times are absolute (date + offset); otherwise relative. Vector writes
 * the date in the logger's local time without a zone: such dates are read as UTC.
 * `base dec` makes ids, DLCs AND data bytes decimal (`d 3 10 255 7`), as python-can reads them; the
 * CAN FD data length column is decimal in both bases. A classic DLC of 9..15 means 8 data bytes.
 */
import { LogFormatError, LogLineError } from '../errors.js';
import { decBytes, FD_LENGTHS, hexBytes, type LogFrame, type LogLineParser } from './log-frame.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const VECTOR_DATE = /^\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?\s*(am|pm)?\s+(\d{4})$/i;
/** Header and event words that carry no frame. */
const IGNORED_WORDS = new Set(['date', 'base', 'begin', 'end', 'internal', 'no', 'start', '//', 'version']);
const IGNORED_EVENTS = /^(ErrorFrame|Statistic:|SV:|J1939TP|CAN|Chip|Status:|TxErr|RxErr|Start|Log|\/\/)/i;

export function parseAscDate(text: string): number | undefined {
  const m = VECTOR_DATE.exec(text.trim());
  if (m) {
    const month = MONTHS.indexOf((m[1] as string).toLowerCase());
    let hour = Number(m[3]);
    if (m[7]) hour = (hour % 12) + (m[7].toLowerCase() === 'pm' ? 12 : 0);
    if (month < 0) return undefined;
    return Date.UTC(Number(m[8]), month, Number(m[2]), hour, Number(m[4]), Number(m[5]), Number((m[6] ?? '0').padEnd(3, '0')));
  }
  const parsed = Date.parse(text);
  return Number.isFinite(parsed) ? parsed : undefined;
}

export class AscParser implements LogLineParser {
  readonly format = 'asc' as const;
  private startMs: number | undefined;
  private idRadix = 16;
  private deltas = false;
  private lastOffsetS = 0;

  parseLine(line: string, lineNo: number): LogFrame | LogLineError | LogFormatError | undefined {
    const parts = line.trim().split(/\s+/);
    const first = (parts[0] ?? '').toLowerCase();
    if (first === '') return undefined;
    if (first === 'date') {
      this.startMs = parseAscDate(line.trim().slice(4));
      return undefined;
    }
    if (first === 'base') {
      const base = parts[1]?.toLowerCase();
      if (base !== 'hex' && base !== 'dec') return new LogFormatError('asc', lineNo, `base must be "hex" or "dec", found "${parts[1] ?? ''}"`, line);
      this.idRadix = base === 'dec' ? 10 : 16;
      this.deltas = parts[3]?.toLowerCase() === 'relative';
      return undefined;
    }
    const offsetS = Number(parts[0]);
    if (!/^\d+(\.\d+)?$/.test(first) || !Number.isFinite(offsetS)) {
      if (IGNORED_WORDS.has(first) || first.startsWith('//')) return undefined;
      return new LogLineError('asc', lineNo, 'unrecognised line', line);
    }
    // In "timestamps relative" logs every event's time is a delta from the previous event's.
    const secs = this.deltas ? (this.lastOffsetS += offsetS) : offsetS;
    const rest = parts.slice(1);
    if (rest[0]?.toUpperCase() === 'CANFD') return this.fdRow(secs, rest.slice(1), line, lineNo);
    if (rest.length >= 2 && IGNORED_EVENTS.test(rest[1] as string)) return undefined;
    const [channel, idText, dir, kind, dlcText] = rest;
    if (!channel || !/^\d+$/.test(channel)) return IGNORED_EVENTS.test(channel ?? '') ? undefined : new LogLineError('asc', lineNo, 'expected a channel number after the time', line);
    if (!idText || !dir || !/^(rx|tx)$/i.test(dir)) return new LogLineError('asc', lineNo, 'expected "<id> Rx|Tx" after the channel', line);
    const id = this.parseId(idText);
    if (!id) return new LogLineError('asc', lineNo, `bad id "${idText}"`, line);
    if (kind === 'r' || kind === 'R') return undefined; // remote request: nothing to decode
    if (kind !== 'd' && kind !== 'D') return new LogLineError('asc', lineNo, `expected "d" (data frame) after direction, found "${kind ?? ''}"`, line);
    const dlc = this.parseDlc(dlcText ?? '');
    if (dlc === undefined) return new LogLineError('asc', lineNo, `bad DLC "${dlcText ?? ''}"`, line);
    const length = Math.min(dlc, 8);
    const data = this.bytes(rest.slice(5, 5 + length));
    if (!data || data.length !== length) return new LogLineError('asc', lineNo, `expected ${length} ${this.idRadix === 10 ? 'decimal' : 'hex'} data bytes`, line);
    return this.frame(secs, id, data);
  }

  /** A DLC 0..15 in the file's base. */
  private parseDlc(text: string): number | undefined {
    if (!(this.idRadix === 16 ? /^[0-9A-Fa-f]$/ : /^\d{1,2}$/).test(text)) return undefined;
    const dlc = Number.parseInt(text, this.idRadix);
    return dlc <= 15 ? dlc : undefined;
  }

  private bytes(parts: readonly string[]): Uint8Array | undefined {
    return this.idRadix === 10 ? decBytes(parts) : hexBytes(parts);
  }

  private parseId(text: string): { id: number; extended: boolean } | undefined {
    const extended = /x$/i.test(text);
    const digits = extended ? text.slice(0, -1) : text;
    if (!(this.idRadix === 16 ? /^[0-9A-Fa-f]{1,8}$/ : /^\d{1,10}$/).test(digits)) return undefined;
    const id = Number.parseInt(digits, this.idRadix);
    if (id > (extended ? 0x1fff_ffff : 0x7ff)) return undefined;
    return { id, extended };
  }

  /** `CANFD <ch> <dir> <id> [<name>] <brs> <esi> <dlc> <len> <bytes...>` */
  private fdRow(secs: number, t: string[], line: string, lineNo: number): LogFrame | LogLineError {
    const id = t[2] ? this.parseId(t[2]) : undefined;
    if (!id || !/^(rx|tx)$/i.test(t[1] ?? '')) return new LogLineError('asc', lineNo, 'bad CANFD row: expected "CANFD <ch> Rx|Tx <id>"', line);
    let i = 3;
    if (!/^[01]$/.test(t[i] ?? '')) i++; // optional symbolic message name
    // The data length column (always decimal) says how many bytes follow; the DLC before it is
    // redundant (python-can writes it in hex whatever the base) and is not used.
    const length = /^\d{1,2}$/.test(t[i + 3] ?? '') ? Number(t[i + 3]) : Number.NaN;
    if (!FD_LENGTHS.has(length)) return new LogLineError('asc', lineNo, `bad CANFD data length "${t[i + 3] ?? ''}"`, line);
    const data = this.bytes(t.slice(i + 4, i + 4 + length));
    if (!data || data.length !== length) return new LogLineError('asc', lineNo, `expected ${length} CANFD data bytes`, line);
    return this.frame(secs, id, data);
  }

  private frame(secs: number, id: { id: number; extended: boolean }, data: Uint8Array): LogFrame {
    const absolute = this.startMs !== undefined;
    return { tsMs: (this.startMs ?? 0) + secs * 1000, absolute, id: id.id, extended: id.extended, data };
  }
}
