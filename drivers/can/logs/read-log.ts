/**
 * Reading whole logs: pick the parser by format (or by file extension), then read a string or
 * stream a file line by line. Bad lines go to `onError` with their line number; reading never stops
 * because of one.
 */
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { LogLineError } from '../errors.js';
import { AscParser } from './asc.js';
import { CandumpParser } from './candump.js';
import { GvretParser } from './gvret.js';
import type { LogFormat, LogFrame, LogLineParser } from './log-frame.js';

export function createLogParser(format: LogFormat): LogLineParser {
  switch (format) {
    case 'candump':
      return new CandumpParser();
    case 'asc':
      return new AscParser();
    case 'gvret':
      return new GvretParser();
  }
}

/** `.asc` -> asc, `.csv` -> gvret, anything else (`.log`, `.txt`) -> candump. */
export function formatFromExtension(path: string): LogFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.asc') return 'asc';
  if (ext === '.csv') return 'gvret';
  return 'candump';
}

export type LogErrorHandler = (error: LogLineError) => void;

/** Reads frames from log text already in memory. */
export function* readLogText(text: string, format: LogFormat, onError: LogErrorHandler): Generator<LogFrame> {
  const parser = createLogParser(format);
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    lineNo++;
    start = end + 1;
    const result = parser.parseLine(line, lineNo);
    if (result instanceof LogLineError) onError(result);
    else if (result) yield result;
  }
}

/** Streams frames from a log file without loading it whole (logs can be gigabytes). */
export async function* readLogFile(path: string, format: LogFormat, onError: LogErrorHandler): AsyncGenerator<LogFrame> {
  const parser = createLogParser(format);
  const lines = createInterface({ input: createReadStream(path, { encoding: 'latin1' }), crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      const result = parser.parseLine(line, lineNo);
      if (result instanceof LogLineError) onError(result);
      else if (result) yield result;
    }
  } finally {
    lines.close();
  }
}
