/**
 * `ev-edge decode --dbc FILE LOG`: decodes a CAN log with a DBC, one JSON line per frame the DBC
 * knows. A tool for writing `map:` blocks: see which signals move and what values they take.
 */
import { once } from 'node:events';
import { parseDbcFile } from '../../drivers/can/dbc-parser.js';
import { CanDecoder } from '../../drivers/can/decoder.js';
import { DbcSyntaxError, LogFormatError } from '../../drivers/can/errors.js';
import { LOG_FORMATS, type LogFormat } from '../../drivers/can/logs/log-frame.js';
import { readLogFile } from '../../drivers/can/logs/read-log.js';
import { parseFlags } from '../../core/flags.js';
import type { Command } from './command.js';

/** Physical values are products of binary fractions: 12 significant digits hide the float noise.
 * (Not for ts: epoch milliseconds already have 13 digits; those are rounded to the microsecond.) */
const tidy = (v: number): number => Number(v.toPrecision(12));

/** Extended ids get all 8 digits (as candump writes them), so 0x00000100 is not mistaken for 0x100. */
const hexId = (id: number, extended: boolean): string => `0x${id.toString(16).toUpperCase().padStart(extended ? 8 : 0, '0')}`;

export const decodeCommand: Command = {
  name: 'decode',
  summary: 'decode a CAN log (candump, Vector ASC, PCAN .trc, SavvyCAN CSV) with a DBC file',
  usage: `ev-edge decode --dbc FILE LOG [--format candump|asc|gvret|trc] [--labels]

Prints one JSON line per frame whose id FILE defines:
  {"ts":1699478221083.54,"id":"0x595","message":"Batt_HV_Status","signals":{"VBatt":360.8,...}}
Extended (29-bit) ids are printed with 8 hex digits. ts is in milliseconds: since the Unix epoch
when the log has absolute times (candump -L/-ta/-tA, ASC with a date line, .trc with $STARTTIME),
else since the start of the log; null when the log has no times (plain candump console output).
The format is identified from the log's first line; --format makes it a check (a log of another
format is refused). An unsupported or ambiguous layout is refused once, naming the line.
--labels prints VAL_ labels instead of numbers where the DBC has them.
A summary (frames, unknown ids, bad lines with their line numbers) goes to stderr.
Exit codes: 0 decoded at least one frame, 1 the log could not be read or was refused, or no frame
was decoded, 2 bad usage or a DBC syntax error.`,
  async run(args) {
    const { flags, positionals } = parseFlags(args, ['labels']);
    const dbcPath = flags.get('dbc');
    const logPath = positionals[0];
    const format = flags.get('format');
    if (typeof dbcPath !== 'string' || !logPath || positionals.length > 1) {
      process.stderr.write('ev-edge decode: expected --dbc FILE and exactly one LOG (see --help)\n');
      return 2;
    }
    if (format !== undefined && (typeof format !== 'string' || !LOG_FORMATS.includes(format as LogFormat))) {
      process.stderr.write(`ev-edge decode: --format must be one of ${LOG_FORMATS.join(', ')}\n`);
      return 2;
    }
    let decoder: CanDecoder;
    try {
      decoder = new CanDecoder(parseDbcFile(dbcPath));
    } catch (err) {
      if (err instanceof DbcSyntaxError) {
        process.stderr.write(`ev-edge decode: ${err.message}\n`);
        return 2;
      }
      process.stderr.write(`ev-edge decode: cannot read ${dbcPath}: ${(err as Error).message}\n`);
      return 2;
    }
    const labels = flags.get('labels') === true;
    let badLines = 0;
    let frames = 0;
    let refused: LogFormatError | undefined;
    try {
      for await (const frame of readLogFile(logPath, format as LogFormat | undefined, (e) => {
        if (e instanceof LogFormatError) return void (refused = e);
        badLines++;
        if (badLines <= 20) process.stderr.write(`${logPath}: ${e.message}\n`);
      })) {
        frames++;
        const decoded = decoder.decode(frame);
        if (!decoded) continue;
        const signals: Record<string, number | string> = {};
        for (const s of decoded.signals) signals[s.name] = labels && s.label !== undefined ? s.label : tidy(s.value);
        const line = JSON.stringify({ ts: frame.untimed ? null : Math.round(frame.tsMs * 1000) / 1000, id: hexId(frame.id, frame.extended), message: decoded.message.name, signals });
        if (!process.stdout.write(`${line}\n`)) await once(process.stdout, 'drain');
      }
    } catch (err) {
      // `ev-edge decode ... | head` closes the pipe early: that is the reader's choice, not a failure.
      if ((err as NodeJS.ErrnoException).code === 'EPIPE') return 0;
      process.stderr.write(`ev-edge decode: cannot read ${logPath}: ${(err as Error).message}\n`);
      return 1;
    }
    if (refused) {
      process.stderr.write(`ev-edge decode: ${logPath}: ${refused.message}\n`);
      return 1;
    }
    const unknown = [...decoder.stats.unknownIds.entries()].map(([key, n]) => `0x${(key % 0x1_0000_0000).toString(16).toUpperCase()}:${n}`);
    process.stderr.write(
      `${logPath}: ${frames} frames, ${decoder.stats.decodedFrames} decoded, ${frames - decoder.stats.decodedFrames} with ids not in the DBC` +
        `${unknown.length ? ` (${unknown.join(' ')})` : ''}, ${badLines} bad lines\n`,
    );
    if (decoder.stats.decodedFrames === 0) {
      process.stderr.write(`ev-edge decode: nothing decoded from ${logPath}${frames === 0 ? ' (no frames read)' : ' (no frame id is in the DBC)'}\n`);
      return 1;
    }
    return 0;
  },
};
