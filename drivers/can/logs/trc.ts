/**
 * PEAK PCAN-View / PCAN-Explorer trace files (.trc), versions 1.0, 1.1, 2.0 and 2.1 (PEAK's "TRC
 * File Format" document). `;` starts a comment; `;$FILEVERSION=`, `;$STARTTIME=` (days since
 * 1899-12-30, fraction = time of day) and, from 2.0, `;$COLUMNS=` (the order of the columns) are
 * header fields. Rows, with the time offset in milliseconds since the start:
 *   1.0  `     1)      1841  0001  8  00 11 22 33 44 55 66 77`          (no version line)
 *   1.1  `     1)      1841.2  Rx         0001  8  00 11 22 33 44 55 66 77`
 *   2.x  `      1      1059.900 DT 1      0300 Rx -  7    00 00 00 00 04 00 00` (per $COLUMNS)
 * IDs: 4 hex digits or fewer = 11-bit, more = 29-bit. Data frames are 1.x Rx/Tx rows and 2.x types
 * DT (CAN), FD, FB, FE, BI (CAN FD); remote requests (RTR, RR), status, error and event rows carry
 * no signals and are skipped. 2.x gives either the data length (`l`) or the DLC (`L`).
 * Invariants: a version other than 1.0/1.1/2.0/2.1, a 2.x file without the columns we need, or a
 * row before the header that fixes the layout refuses the file. PEAK writes $STARTTIME in the
 * recorder's local time without a zone: it is read as UTC (as ASC dates are). Without it, times
 * are relative.
 */
import { LogFormatError, LogLineError } from '../errors.js';
import { FD_DLC_LENGTH, hexBytes, type LogFrame, type LogLineParser } from './log-frame.js';

const SUPPORTED_VERSIONS = ['1.0', '1.1', '2.0', '2.1'];
/** Unix epoch in OLE automation days (days since 1899-12-30). */
const OLE_UNIX_EPOCH_DAYS = 25569;
const DAY_MS = 86_400_000;
const DATA_TYPES_V2 = new Set(['DT', 'FD', 'FB', 'FE', 'BI']);
const NO_DATA_TYPES_V2 = new Set(['RR', 'ST', 'EC', 'ER', 'EV']);
const NEEDED_COLUMNS = ['O', 'T', 'I', 'D'] as const;

type Layout = { version: '1.0' | '1.1' } | { version: '2.0' | '2.1'; col: Record<string, number> };

export class TrcParser implements LogLineParser {
  readonly format = 'trc' as const;
  private version: string | undefined;
  private columns: string[] | undefined;
  private startMs: number | undefined;
  private layout: Layout | undefined;

  parseLine(line: string, lineNo: number): LogFrame | LogLineError | LogFormatError | undefined {
    const text = line.trim();
    if (text === '') return undefined;
    if (text.startsWith(';')) return this.header(text, line, lineNo);
    if (!this.layout) {
      const layout = this.fixLayout(line, lineNo);
      if (layout instanceof LogFormatError) return layout;
      this.layout = layout;
    }
    const cols = text.split(/\s+/);
    return this.layout.version === '2.0' || this.layout.version === '2.1' ? this.rowV2(cols, this.layout.col, line, lineNo) : this.rowV1(cols, this.layout.version, line, lineNo);
  }

  private header(text: string, line: string, lineNo: number): LogFormatError | undefined {
    const m = /^;\$(\w+)=(.*)$/.exec(text);
    if (!m) return undefined; // a comment
    const [, key, value] = m as unknown as [string, string, string];
    if (this.layout) return new LogFormatError('trc', lineNo, `header field $${key} after the first row`, line);
    if (key === 'FILEVERSION') this.version = value.trim();
    else if (key === 'STARTTIME') {
      const days = Number(value.trim());
      if (!Number.isFinite(days) || value.trim() === '') return new LogFormatError('trc', lineNo, `$STARTTIME "${value}" is not a number of days`, line);
      this.startMs = (days - OLE_UNIX_EPOCH_DAYS) * DAY_MS;
    } else if (key === 'COLUMNS') this.columns = value.split(',').map((c) => c.trim());
    return undefined;
  }

  private fixLayout(line: string, lineNo: number): Layout | LogFormatError {
    const version = this.version ?? '1.0';
    if (!SUPPORTED_VERSIONS.includes(version)) {
      return new LogFormatError('trc', lineNo, `TRC file version ${version} is not supported (supported: ${SUPPORTED_VERSIONS.join(', ')})`, line);
    }
    if (version === '1.0' || version === '1.1') return { version };
    const cols = this.columns;
    if (!cols) return new LogFormatError('trc', lineNo, `a version ${version} file needs a $COLUMNS header line`, line);
    const missing = NEEDED_COLUMNS.filter((c) => !cols.includes(c));
    if (!cols.includes('l') && !cols.includes('L')) missing.push('l or L' as never);
    if (missing.length > 0) return new LogFormatError('trc', lineNo, `$COLUMNS lacks ${missing.join(', ')}`, line);
    if (cols.at(-1) !== 'D') return new LogFormatError('trc', lineNo, '$COLUMNS must end with D (the data bytes)', line);
    return { version: version as '2.0' | '2.1', col: Object.fromEntries(cols.map((c, i) => [c, i])) };
  }

  /** 1.0: `N) O I L data`; 1.1: `N) O T I L data`. */
  private rowV1(cols: string[], version: '1.0' | '1.1', line: string, lineNo: number): LogFrame | LogLineError | undefined {
    if (!/^\d+\)$/.test(cols[0] ?? '')) return new LogLineError('trc', lineNo, `expected a message number "N)" (version ${version})`, line);
    const at = version === '1.0' ? 2 : 3;
    if (version === '1.1') {
      const type = cols[2] ?? '';
      if (type !== 'Rx' && type !== 'Tx') return undefined; // Warng, Error: bus events, no signals
    }
    const idText = cols[at] ?? '';
    if (version === '1.0' && idText === 'FFFFFFFF') return undefined; // error warning
    const rest = cols.slice(at + 2);
    if (rest[0] === 'RTR' || rest[0] === 'ERROR') return undefined;
    return this.frame(cols[1], idText, cols[at + 1], rest, 'len', false, line, lineNo);
  }

  private rowV2(cols: string[], col: Record<string, number>, line: string, lineNo: number): LogFrame | LogLineError | undefined {
    // T precedes I in every layout, so the type is read before a blank ID could shift the columns.
    const type = cols[col['T'] as number] ?? '';
    if (NO_DATA_TYPES_V2.has(type)) return undefined;
    if (!DATA_TYPES_V2.has(type)) return new LogLineError('trc', lineNo, `unknown message type "${type}"`, line);
    const dir = col['d'] === undefined ? 'Rx' : cols[col['d']];
    if (dir !== 'Rx' && dir !== 'Tx') return new LogLineError('trc', lineNo, `expected Rx or Tx, found "${dir ?? ''}"`, line);
    const byLength = col['l'] !== undefined;
    const lengthText = cols[(byLength ? col['l'] : col['L']) as number];
    return this.frame(cols[col['O'] as number], cols[col['I'] as number] ?? '', lengthText, cols.slice(col['D']), byLength ? 'len' : 'dlc', type !== 'DT', line, lineNo);
  }

  private frame(offset: string | undefined, idText: string, lengthText: string | undefined, bytes: string[], lengthIs: 'len' | 'dlc', fd: boolean, line: string, lineNo: number): LogFrame | LogLineError {
    if (!/^\d+(\.\d+)?$/.test(offset ?? '')) return new LogLineError('trc', lineNo, `bad time offset "${offset ?? ''}"`, line);
    if (!/^[0-9A-Fa-f]{1,8}$/.test(idText)) return new LogLineError('trc', lineNo, `bad id "${idText}"`, line);
    const id = Number.parseInt(idText, 16);
    const extended = idText.length > 4;
    if (id > (extended ? 0x1fff_ffff : 0x7ff)) return new LogLineError('trc', lineNo, `id ${idText} too large for a ${extended ? '29' : '11'}-bit id`, line);
    if (!/^\d{1,2}$/.test(lengthText ?? '')) return new LogLineError('trc', lineNo, `bad data length "${lengthText ?? ''}"`, line);
    const n = Number(lengthText);
    // A DLC of 9..15 means 12..64 bytes in CAN FD and 8 bytes in classic CAN.
    const length = lengthIs === 'dlc' ? (n > 15 ? -1 : fd ? FD_DLC_LENGTH[n] as number : Math.min(n, 8)) : n;
    if (length < 0 || (!fd && length > 8) || length > 64) return new LogLineError('trc', lineNo, `data length ${lengthText ?? ''} is not valid for ${fd ? 'CAN FD' : 'CAN'}`, line);
    const data = hexBytes(bytes.slice(0, length));
    if (!data || data.length !== length) return new LogLineError('trc', lineNo, `expected ${length} hex data bytes`, line);
    const ms = Number(offset);
    return { tsMs: (this.startMs ?? 0) + ms, absolute: this.startMs !== undefined, id, extended, data };
  }
}
