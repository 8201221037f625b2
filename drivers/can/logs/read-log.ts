/**
 * Reading whole logs: the first non-blank line decides the layout (`identify.ts`); a declared
 * format that the content contradicts, an unsupported format or an unknown layout is refused once
 * for the file (a LogFormatError) and nothing is read from it. Then a string or a file is read line
 * by line; bad lines go to `onError` with their line number and reading goes on.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { LogFormatError, LogLineError } from '../errors.js';
import { AscParser } from './asc.js';
import { CandumpParser } from './candump.js';
import { GvretParser } from './gvret.js';
import { identifyLine } from './identify.js';
import type { LogFormat, LogFrame, LogLineParser } from './log-frame.js';
import { TrcParser } from './trc.js';

export function createLogParser(format: LogFormat): LogLineParser {
  switch (format) {
    case 'candump':
      return new CandumpParser();
    case 'asc':
      return new AscParser();
    case 'gvret':
      return new GvretParser();
    case 'trc':
      return new TrcParser();
  }
}

export type LogErrorHandler = (error: LogLineError | LogFormatError) => void;

/**
 * Wraps the parser of the file's format: checks the first non-blank line against `declared` (or
 * picks the format from it when nothing is declared), then hands every line to that parser.
 */
class IdentifyingParser {
  private parser: LogLineParser | undefined;
  constructor(private readonly declared: LogFormat | undefined) {}

  parseLine(line: string, lineNo: number): LogFrame | LogLineError | LogFormatError | undefined {
    if (this.parser) return this.parser.parseLine(line, lineNo);
    const text = line.trim();
    if (text === '') return undefined;
    const named = this.declared ?? 'log';
    const found = identifyLine(text);
    if (!found) {
      return new LogFormatError(named, lineNo, 'first line matches no supported layout (candump -L or console, Vector ASC, PCAN .trc, SavvyCAN CSV)', line);
    }
    if (!found.supported) return new LogFormatError(named, lineNo, `this is a ${found.layout}, which is not supported: ${found.hint}`, line);
    if (this.declared && found.format !== this.declared) {
      return new LogFormatError(named, lineNo, `this is a ${found.layout}, not ${this.declared}: use format ${found.format}`, line);
    }
    this.parser = createLogParser(found.format);
    return this.parser.parseLine(line, lineNo);
  }
}

/** Reads frames from log text already in memory. `format` undefined: identified from the text. */
export function* readLogText(text: string, format: LogFormat | undefined, onError: LogErrorHandler): Generator<LogFrame> {
  const parser = new IdentifyingParser(format);
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).replace(/\r$/, '');
    lineNo++;
    start = end + 1;
    const result = parser.parseLine(line, lineNo);
    if (result instanceof LogFormatError) return onError(result);
    if (result instanceof LogLineError) onError(result);
    else if (result) yield result;
  }
}

/** Streams frames from a log file without loading it whole (logs can be gigabytes). */
export async function* readLogFile(path: string, format: LogFormat | undefined, onError: LogErrorHandler): AsyncGenerator<LogFrame> {
  const parser = new IdentifyingParser(format);
  const lines = createInterface({ input: createReadStream(path, { encoding: 'latin1' }), crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      const result = parser.parseLine(line, lineNo);
      if (result instanceof LogFormatError) return onError(result);
      if (result instanceof LogLineError) onError(result);
      else if (result) yield result;
    }
  } finally {
    lines.close();
  }
}
