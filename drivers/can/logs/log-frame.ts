/**
 * What every CAN log reader yields, and the per-line parser contract they share. Readers never
 * throw on bad input: a line that cannot be read comes back as a LogLineError for the caller to
 * count (and report with its line number), and reading goes on with the next line. A layout that
 * cannot be read at all (unknown columns, unsupported version, ambiguous time base) comes back once
 * as a LogFormatError, and the reader stops: every later line would be read wrongly.
 */
import type { CanFrame } from '../decoder.js';
import type { LogFormatError, LogLineError } from '../errors.js';

export type LogFormat = 'candump' | 'asc' | 'gvret' | 'trc';
export const LOG_FORMATS: readonly LogFormat[] = ['candump', 'asc', 'gvret', 'trc'];

export interface LogFrame extends CanFrame {
  /** Milliseconds: since the Unix epoch when `absolute`, else since the start of the recording. */
  tsMs: number;
  absolute: boolean;
  /** The log carries no times at all (plain `candump` console output): tsMs is 0 for every frame. */
  untimed?: true;
}

/** Parses one line at a time; keeps whatever header state its format needs (ASC date and base). */
export interface LogLineParser {
  readonly format: LogFormat;
  /** A frame, an error to count, or undefined for lines that carry no frame (headers, comments). */
  parseLine(line: string, lineNo: number): LogFrame | LogLineError | LogFormatError | undefined;
}

/** Value of one hex digit's char code, or -1. (Hand-rolled: this runs once per payload byte.) */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 32;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** Parses a list of decimal bytes (0..255, as Vector ASC writes them under `base dec`). */
export function decBytes(parts: readonly string[]): Uint8Array | undefined {
  const data = new Uint8Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    data[i] = Number(p);
  }
  return data;
}

/** Parses a list of two-digit hex bytes; undefined when any is not exactly one hex byte. */
export function hexBytes(parts: readonly string[]): Uint8Array | undefined {
  const data = new Uint8Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    if (p.length !== 2) return undefined;
    const hi = hexDigit(p.charCodeAt(0));
    const lo = hexDigit(p.charCodeAt(1));
    if (hi < 0 || lo < 0) return undefined;
    data[i] = (hi << 4) | lo;
  }
  return data;
}

/** Valid CAN FD payload lengths (classic CAN: 0..8). */
export const FD_LENGTHS: ReadonlySet<number> = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64]);
/** Payload length of a CAN FD DLC 0..15 (ISO 11898-1). */
export const FD_DLC_LENGTH = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64] as const;
