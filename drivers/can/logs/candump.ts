/**
 * candump output, in the layouts people save to files:
 *   `-L` log:   `(1436509052.249713) vcan0 044#2A366C2BBA`   (`##F..` CAN FD, `#R` remote,
 *               `_F` suffix: the raw DLC 9..F of an 8-byte classic frame, `-8`/len8_dlc)
 *   console:    `  can0  123   [8]  11 22 33 44 55 66 77 88`  (`[08]`/`[12]` CAN FD, `{F}` with -8,
 *               `remote request`, `ERRORFRAME`, `RX - -` with -x), optionally after a time stamp:
 *               `-ta (1436509052.249713)` epoch, `-tA (2015-07-10 08:17:32.249713)` local date,
 *               `-tz (000.123456)` since the first frame, `-td (000.000123)` since the previous one.
 * The first frame line fixes the layout; a later line in another layout is a bad line.
 * Invariants: -L times of 1e9 s (2001) and later are absolute, earlier ones (`-L -tz`, python-can
 * relative logs) are relative. Console stamps printed as `(000.000000)` are refused for the whole
 * file: -tz and -td print them alike and only the meaning differs (since start / since previous).
 * `-tA` dates carry no zone and are read as UTC. Console output without stamps has no times.
 */
import { LogFormatError, LogLineError } from '../errors.js';
import { FD_LENGTHS, hexBytes, type LogFrame, type LogLineParser } from './log-frame.js';

const LOG_LINE = /^\((\d+(?:\.\d+)?)\)\s+(\S+)\s+([0-9A-Fa-f]+)#(#?)([0-9A-Fa-f.]*|[Rr][0-9A-Fa-f]?)(?:_([0-9A-Fa-f]))?(?:\s+[RT])?$/;
const CONSOLE_LINE = /^(?:\(([^)]*)\)\s+)?(\S+)\s+(?:(?:RX|TX)\s+[B-]\s+[E-]\s+)?([0-9A-Fa-f]{3,8})\s+([[{])([0-9A-F]{1,2})[\]}]\s*(.*)$/;
const EPOCH_STAMP = /^\d{10,}\.\d{6}$/;
const ZERO_STAMP = /^\d{3,9}\.\d{6}$/;
const DATE_STAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{6})$/;
const ABSOLUTE_S = 1e9;
const CAN_ERR_FLAG = 0x2000_0000;

type Layout = 'log' | 'console-epoch' | 'console-date' | 'console-untimed';

export class CandumpParser implements LogLineParser {
  readonly format = 'candump' as const;
  private layout: Layout | undefined;

  parseLine(line: string, lineNo: number): LogFrame | LogLineError | LogFormatError | undefined {
    const text = line.trim();
    if (text === '' || text.startsWith('#')) return undefined;
    if (this.layout === undefined) {
      const layout = this.detect(text, line, lineNo);
      if (layout instanceof LogFormatError) return layout;
      this.layout = layout;
    }
    return this.layout === 'log' ? this.logLine(text, line, lineNo) : this.consoleLine(text, line, lineNo);
  }

  private detect(text: string, line: string, lineNo: number): Layout | LogFormatError {
    if (text.startsWith('(') && LOG_LINE.test(text)) return 'log';
    const m = CONSOLE_LINE.exec(text);
    if (!m) return new LogFormatError('candump', lineNo, 'not a candump -L line "(secs) iface ID#DATA" nor candump console output "iface ID [len] bytes"', line);
    const stamp = m[1];
    if (stamp === undefined) return 'console-untimed';
    if (EPOCH_STAMP.test(stamp)) return 'console-epoch';
    if (DATE_STAMP.test(stamp)) return 'console-date';
    if (ZERO_STAMP.test(stamp)) {
      return new LogFormatError('candump', lineNo, `time stamp "(${stamp})" is written alike by candump -tz (time since the first frame) and -td (time since the previous frame), so the frame times cannot be known: record with -L or -ta`, line);
    }
    return new LogFormatError('candump', lineNo, `unknown candump time stamp "(${stamp})"`, line);
  }

  private logLine(text: string, line: string, lineNo: number): LogFrame | LogLineError | undefined {
    const m = LOG_LINE.exec(text);
    if (!m) return new LogLineError('candump', lineNo, 'not a candump -L line "(secs) iface ID#DATA"', line);
    const [, secs, , idHex, fd, payload, rawDlc] = m as unknown as [string, string, string, string, string, string, string | undefined];
    const id = this.parseId(idHex, line, lineNo);
    if (id instanceof LogLineError || id === undefined) return id;
    if (/^[Rr]/.test(payload)) {
      if (fd) return new LogLineError('candump', lineNo, 'CAN FD frames have no remote requests', line);
      return undefined; // remote request: no payload to decode
    }
    let hex = payload.replaceAll('.', '');
    if (fd === '#') hex = hex.slice(1); // flags nibble (BRS/ESI) carries no signal data
    if (hex.length % 2 !== 0) return new LogLineError('candump', lineNo, 'payload must be pairs of hex digits', line);
    const length = hex.length / 2;
    if (fd === '#' ? !FD_LENGTHS.has(length) : length > 8) return new LogLineError('candump', lineNo, `payload of ${length} bytes is not a valid ${fd ? 'CAN FD' : 'CAN'} length`, line);
    if (rawDlc !== undefined && (fd === '#' || length !== 8 || Number.parseInt(rawDlc, 16) < 9)) {
      return new LogLineError('candump', lineNo, `"_${rawDlc}" (a raw DLC 9..F) only follows 8 bytes of a classic frame`, line);
    }
    const data = new Uint8Array(length);
    for (let i = 0; i < length; i++) data[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    const s = Number(secs);
    return { tsMs: s * 1000, absolute: s >= ABSOLUTE_S, ...id, data };
  }

  private consoleLine(text: string, line: string, lineNo: number): LogFrame | LogLineError | undefined {
    const m = CONSOLE_LINE.exec(text);
    if (!m) return new LogLineError('candump', lineNo, 'not a candump console line "iface ID [len] bytes"', line);
    const [, stamp, , idHex, bracket, lenText, rest] = m as unknown as [string, string | undefined, string, string, string, string, string];
    const timed = this.layout !== 'console-untimed';
    if (timed !== (stamp !== undefined)) return new LogLineError('candump', lineNo, `time stamp ${timed ? 'missing' : 'unexpected'}: the first frame line fixed the layout`, line);
    let tsMs = 0;
    if (stamp !== undefined) {
      const t = this.layout === 'console-epoch' ? (EPOCH_STAMP.test(stamp) ? Number(stamp) * 1000 : undefined) : dateStampMs(stamp);
      if (t === undefined) return new LogLineError('candump', lineNo, `time stamp "(${stamp})" is not in the layout of the first frame line`, line);
      tsMs = t;
    }
    if (idHex.length === 8 && Number.parseInt(idHex, 16) & CAN_ERR_FLAG) return undefined; // ERRORFRAME: no signals
    const id = this.parseId(idHex, line, lineNo);
    if (id instanceof LogLineError || id === undefined) return id;
    if (/^remote request$/.test(rest)) return undefined;
    // `[n]` classic length, `[nn]` CAN FD length (two digits), `{X}` classic raw DLC (-8): 8 bytes when X > 8.
    const fd = bracket === '[' && lenText.length === 2;
    const length = bracket === '{' ? Math.min(Number.parseInt(lenText, 16), 8) : Number(lenText);
    if (bracket === '{' ? lenText.length !== 1 : !/^\d+$/.test(lenText)) return new LogLineError('candump', lineNo, `bad length "${bracket}${lenText}"`, line);
    if (fd ? !FD_LENGTHS.has(length) : length > 8) return new LogLineError('candump', lineNo, `length ${length} is not a valid ${fd ? 'CAN FD' : 'CAN'} length`, line);
    const tokens = rest === '' ? [] : rest.split(/\s+/);
    const data = hexBytes(tokens);
    if (!data || data.length !== length) return new LogLineError('candump', lineNo, `expected ${length} hex data bytes after the length (binary -i, swapped -S and ASCII -a views are not read)`, line);
    return { tsMs, absolute: timed, ...(timed ? {} : { untimed: true as const }), ...id, data };
  }

  private parseId(idHex: string, line: string, lineNo: number): { id: number; extended: boolean } | LogLineError | undefined {
    if (idHex.length !== 3 && idHex.length !== 8) return new LogLineError('candump', lineNo, `id "${idHex}" must have 3 (standard) or 8 (extended) hex digits`, line);
    const id = Number.parseInt(idHex, 16);
    const extended = idHex.length === 8;
    if (extended && id & CAN_ERR_FLAG) return undefined; // error frame (CAN_ERR_FLAG): no signals
    if (extended && id > 0x1fff_ffff) return new LogLineError('candump', lineNo, `extended id ${idHex} exceeds 29 bits`, line);
    if (!extended && id > 0x7ff) return new LogLineError('candump', lineNo, `standard id ${idHex} exceeds 0x7FF`, line);
    return { id, extended };
  }
}

/** `-tA` stamp: a local date without zone, read as UTC (as ASC dates are). */
function dateStampMs(stamp: string): number | undefined {
  const m = DATE_STAMP.exec(stamp);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, us] = m.map(Number) as [number, number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s) + us / 1000;
}
