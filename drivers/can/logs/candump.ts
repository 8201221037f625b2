/**
 * candump `-L` (log file) lines: `(1436509052.249713) vcan0 044#2A366C2BBA`.
 * 3 hex digits = standard id, 8 = extended. `##F` + data is CAN FD (F = flags nibble); `#R` is a
 * remote request (no data, skipped). Timestamps are epoch seconds, so frames are absolute.
 */
import { LogLineError } from '../errors.js';
import { FD_LENGTHS, type LogFrame, type LogLineParser } from './log-frame.js';

const LINE = /^\((\d+(?:\.\d+)?)\)\s+(\S+)\s+([0-9A-Fa-f]+)#(#?)([0-9A-Fa-f.R]*)\s*$/;

export class CandumpParser implements LogLineParser {
  readonly format = 'candump' as const;

  parseLine(line: string, lineNo: number): LogFrame | LogLineError | undefined {
    const text = line.trim();
    if (text === '' || text.startsWith('#')) return undefined;
    const m = LINE.exec(text);
    if (!m) return new LogLineError('candump', lineNo, 'not a candump -L line "(secs) iface ID#DATA"', line);
    const [, secs, , idHex, fd, payload] = m as unknown as [string, string, string, string, string, string];
    if (idHex.length !== 3 && idHex.length !== 8) return new LogLineError('candump', lineNo, `id "${idHex}" must have 3 (standard) or 8 (extended) hex digits`, line);
    const id = Number.parseInt(idHex, 16);
    const extended = idHex.length === 8;
    if (extended && id > 0x1fff_ffff) return new LogLineError('candump', lineNo, `extended id ${idHex} exceeds 29 bits (error frame?)`, line);
    if (!extended && id > 0x7ff) return new LogLineError('candump', lineNo, `standard id ${idHex} exceeds 0x7FF`, line);
    if (payload.startsWith('R')) return undefined; // remote request: no payload to decode
    let hex = payload.replaceAll('.', '');
    if (fd === '#') hex = hex.slice(1); // flags nibble (BRS/ESI) carries no signal data
    if (hex.length % 2 !== 0 || /[^0-9A-Fa-f]/.test(hex)) return new LogLineError('candump', lineNo, 'payload must be pairs of hex digits', line);
    const length = hex.length / 2;
    if (fd === '#' ? !FD_LENGTHS.has(length) : length > 8) return new LogLineError('candump', lineNo, `payload of ${length} bytes is not a valid ${fd ? 'CAN FD' : 'CAN'} length`, line);
    const data = new Uint8Array(length);
    for (let i = 0; i < length; i++) data[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return { tsMs: Number(secs) * 1000, absolute: true, id, extended, data };
  }
}
