/**
 * SavvyCAN / GVRET CSV: `Time Stamp,ID,Extended,Dir,Bus,LEN,D1,D2,D3,D4,D5,D6,D7,D8`, e.g.
 * `166064000,0000021A,false,Rx,0,8,FE,36,12,FE,69,05,07,AD,`. Time stamps are microseconds, usually
 * since capture start; values past 1e15 us (year 2001) are taken as Unix time. ID is hex (an
 * optional 0x is accepted); Extended is true/false.
 */
import { LogLineError } from '../errors.js';
import { hexBytes, type LogFrame, type LogLineParser } from './log-frame.js';

const ABSOLUTE_US = 1e15;

export class GvretParser implements LogLineParser {
  readonly format = 'gvret' as const;

  parseLine(line: string, lineNo: number): LogFrame | LogLineError | undefined {
    const text = line.trim();
    if (text === '' || /^time\s*stamp/i.test(text)) return undefined;
    const cols = text.split(',').map((c) => c.trim());
    if (cols.length < 6) return new LogLineError('gvret', lineNo, `expected at least 6 comma-separated columns, found ${cols.length}`, line);
    const [tsText, idText, extText, , , lenText] = cols as [string, string, string, string, string, string];
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
    const data = hexBytes(cols.slice(6, 6 + length).map((c) => (c.length === 1 ? `0${c}` : c)));
    if (!data || data.length !== length) return new LogLineError('gvret', lineNo, `expected ${length} data bytes`, line);
    const us = Number(tsText);
    return { tsMs: us / 1000, absolute: us > ABSOLUTE_US, id, extended, data };
  }
}
