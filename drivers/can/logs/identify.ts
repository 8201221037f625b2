/**
 * Which log layout a file is, from its first non-blank line. Every supported layout starts with a
 * line no other one can start with (a candump `(time)` or interface, an ASC `date`/`base` header, a
 * PEAK `;` header or `N)` row, a SavvyCAN `Time Stamp,` header), so this never guesses between two
 * of ours. Formats we know but do not read are named, so the refusal says what the file is.
 *
 * Invariant: a line that matches no signature is `undefined` (the caller refuses the file), never
 * a best guess.
 */
import type { LogFormat } from './log-frame.js';

export type Identified = { supported: true; format: LogFormat; layout: string } | { supported: false; layout: string; hint: string };

interface Signature {
  test: RegExp;
  result: Identified;
}

const SUPPORTED = (format: LogFormat, layout: string): Identified => ({ supported: true, format, layout });
const UNSUPPORTED = (layout: string, hint: string): Identified => ({ supported: false, layout, hint });
const CONVERT = 'convert it to candump -L, Vector ASC or PCAN .trc (e.g. with SavvyCAN or python -m can.logconvert)';

const SIGNATURES: readonly Signature[] = [
  { test: /^\(\d+(\.\d+)?\)\s+\S+\s+[0-9A-Fa-f]+#/, result: SUPPORTED('candump', 'candump -L log') },
  { test: /^(\([^)]*\)\s+)?\S+\s+((RX|TX)\s+[B-]\s+[E-]\s+)?[0-9A-Fa-f]{3,8}\s+[[{][0-9A-F]{1,2}[\]}]/, result: SUPPORTED('candump', 'candump console output') },
  { test: /^(date|base)\s|^begin\s+triggerblock\b|^\/\/\s*version\b/i, result: SUPPORTED('asc', 'Vector ASC') },
  { test: /^;|^\d+\)\s/, result: SUPPORTED('trc', 'PEAK PCAN .trc') },
  { test: /^time\s*stamp\s*,/i, result: SUPPORTED('gvret', 'SavvyCAN/GVRET CSV') },
  { test: /^\*\*\*\s*BUSMASTER/i, result: UNSUPPORTED('BusMaster log', CONVERT) },
  { test: /^\d{1,2}:\d{1,2}:\d{1,2}:\d+\s+(Rx|Tx)\s+\d+\s+0x[0-9A-F]+\s+(s|x|sr|xr)\s/i, result: UNSUPPORTED('BusMaster log (without header)', CONVERT) },
  { test: /^LOGG/, result: UNSUPPORTED('Vector BLF (binary)', CONVERT) },
  { test: /^MDF {5}/, result: UNSUPPORTED('ASAM MDF (binary)', CONVERT) },
  { test: /^\d+(\.\d+)?\s+[RTC](11|29|XX|EV|ER|VR)\b/, result: UNSUPPORTED('CRTD (OVMS) log', CONVERT) },
  { test: /^\s*Chn\s+Identifier\s+Flg/i, result: UNSUPPORTED('Kvaser CanKing text log', CONVERT) },
  { test: /^[^,]*\d[^,]*(,[^,]*){4,}$/, result: UNSUPPORTED('CSV without a header line', 'the columns cannot be known: SavvyCAN writes "Time Stamp,ID,Extended,[Dir,]Bus,LEN,D1,..." as the first line') },
];

/** The layout a file's first non-blank line (already trimmed) belongs to, or undefined. */
export function identifyLine(line: string): Identified | undefined {
  if (line.includes('\0')) return UNSUPPORTED('binary file', CONVERT);
  return SIGNATURES.find((s) => s.test.test(line))?.result;
}
