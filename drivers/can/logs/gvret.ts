/**
 * SavvyCAN / GVRET CSV. The header line names the columns, and two layouts are in use:
 *   `Time Stamp,ID,Extended,Dir,Bus,LEN,D1,...,D8`  (SavvyCAN since it records direction)
 *   `Time Stamp,ID,Extended,Bus,LEN,D1,...,D8`      (older SavvyCAN and GVRET captures)
 * so columns are found by name, never by position, and a file without the header is refused (its
 * LEN column cannot be told from a data byte). Rows: `166064000,0000021A,false,Rx,0,8,FE,36,...,`.
 * Time stamps are microseconds, usually since capture start; values past 1e15 us (year 2001) are
 * taken as Unix time. ID is hex (an optional 0x is accepted); Extended is true/false; data bytes
 * are hex (SavvyCAN reads one digit as a byte too, so "2" = 0x02).
 */
import { LogFormatError, LogLineError } from '../errors.js';
import { hexBytes, type LogFrame, type LogLineParser } from './log-frame.js';

const ABSOLUTE_US = 1e15;
const HEADER = /^time\s*stamp\s*,/i;
const REQUIRED = ['TIME STAMP', 'ID', 'EXTENDED', 'LEN', 'D1'] as const;

interface Columns {
  ts: number;
  id: number;
  ext: number;
  len: number;
  /** Index of D1; D2.. follow it. */
  data: number;
  /** How many D columns the header has. */
  dataCount: number;
  /** Columns a row needs before its data: one past the last of ts, id, ext, len. */
  needed: number;
}

export class GvretParser implements LogLineParser {
  readonly format = 'gvret' as const;
  private columns: Columns | undefined;

  parseLine(line: string, lineNo: number): LogFrame | LogLineError | LogFormatError | undefined {
    const text = line.trim();
    if (text === '') return undefined;
    if (HEADER.test(text)) return this.readHeader(text, line, lineNo);
    const c = this.columns;
    if (!c) return new LogFormatError('gvret', lineNo, 'no "Time Stamp,ID,Extended,..." header line before the first row: the columns cannot be known', line);
    const cols = text.split(',').map((s) => s.trim());
    if (cols.length < c.needed) return new LogLineError('gvret', lineNo, `expected at least ${c.needed} comma-separated columns, found ${cols.length}`, line);
    const tsText = cols[c.ts] as string;
    const idText = cols[c.id] as string;
    const extText = cols[c.ext] as string;
    const lenText = cols[c.len] as string;
    if (!/^\d+(\.\d+)?$/.test(tsText)) return new LogLineError('gvret', lineNo, `bad time stamp "${tsText}"`, line);
    const idDigits = idText.replace(/^0x/i, '');
    if (!/^[0-9A-Fa-f]{1,8}$/.test(idDigits)) return new LogLineError('gvret', lineNo, `bad id "${idText}"`, line);
    const extFlag = extText.toLowerCase();
    if (extFlag !== 'true' && extFlag !== 'false') return new LogLineError('gvret', lineNo, `Extended must be true or false, found "${extText}"`, line);
    const id = Number.parseInt(idDigits, 16);
    const extended = extFlag === 'true';
    if (id > (extended ? 0x1fff_ffff : 0x7ff)) return new LogLineError('gvret', lineNo, `id ${idText} too large for a ${extended ? 'extended' : 'standard'} frame`, line);
    if (!/^\d{1,2}$/.test(lenText) || Number(lenText) > 64) return new LogLineError('gvret', lineNo, `bad LEN "${lenText}"`, line);
    const length = Number(lenText);
    if (length > c.dataCount) return new LogLineError('gvret', lineNo, `LEN ${length} but the header has only ${c.dataCount} data columns`, line);
    const data = hexBytes(cols.slice(c.data, c.data + length).map((s) => (s.length === 1 ? `0${s}` : s)));
    if (!data || data.length !== length) return new LogLineError('gvret', lineNo, `expected ${length} data bytes`, line);
    const us = Number(tsText);
    return { tsMs: us / 1000, absolute: us > ABSOLUTE_US, id, extended, data };
  }

  /** Finds the columns by name; a header without one we need refuses the file. */
  private readHeader(text: string, line: string, lineNo: number): LogFormatError | undefined {
    const names = text.split(',').map((s) => s.trim().toUpperCase().replace(/\s+/g, ' '));
    while (names.at(-1) === '') names.pop(); // a trailing comma
    const missing = REQUIRED.filter((n) => !names.includes(n));
    if (missing.length > 0) return new LogFormatError('gvret', lineNo, `header lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, line);
    const data = names.indexOf('D1');
    let dataCount = 0;
    while (names[data + dataCount] === `D${dataCount + 1}`) dataCount++;
    if (data + dataCount !== names.length) return new LogFormatError('gvret', lineNo, `unexpected column "${names[data + dataCount]}" after D${dataCount}`, line);
    const [ts, id, ext, len] = [names.indexOf('TIME STAMP'), names.indexOf('ID'), names.indexOf('EXTENDED'), names.indexOf('LEN')];
    this.columns = { ts, id, ext, len, data, dataCount, needed: Math.max(ts, id, ext, len) + 1 };
    return undefined;
  }
}
