/**
 * Typed errors of the CAN driver. Every bad input the driver can meet (a DBC file, a log line, a
 * mapping that names a signal the DBC lacks) ends in one of these, each naming what was wrong and
 * where, so that a caller can tell a user's mistake from a bug and nothing else ever escapes.
 */

/** A DBC file that cannot be parsed: names the file, the 1-based line and column. */
export class DbcSyntaxError extends Error {
  override readonly name = 'DbcSyntaxError';
  readonly code = 'DBC_SYNTAX';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}:${column}: ${reason}`);
  }
}

/** What both log errors carry: the format, the 1-based line, why, and the line itself (cut to 80). */
abstract class CanLogError extends Error {
  constructor(
    readonly format: string,
    readonly line: number,
    readonly reason: string,
    readonly text: string,
    what: string,
  ) {
    super(`${format} line ${line}: ${what}${reason}: ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text)}`);
  }
}

/** One bad line of a CAN log. Returned (not thrown) by the log readers and counted by callers. */
export class LogLineError extends CanLogError {
  override readonly name = 'LogLineError';
  readonly code = 'CAN_LOG_LINE';
  constructor(format: string, line: number, reason: string, text: string) {
    super(format, line, reason, text, '');
  }
}

/**
 * A CAN log whose layout cannot be read: an unsupported format (BusMaster, BLF...), a header that
 * leaves the columns or the time base unknown, or a layout that two writers share with different
 * meanings. Reported once per file (not once per line) and reading of that file stops: guessing
 * would decode every frame wrongly.
 */
export class LogFormatError extends CanLogError {
  override readonly name = 'LogFormatError';
  readonly code = 'CAN_LOG_FORMAT';
  constructor(format: string, line: number, reason: string, text: string) {
    super(format, line, reason, text, 'file refused: ');
  }
}

/** A `map:` entry that does not fit the DBC or the device kind (unknown or ambiguous signal...). */
export class CanMappingError extends Error {
  override readonly name = 'CanMappingError';
  readonly code = 'CAN_MAPPING';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`map.${field}: ${reason}`);
  }
}

/** A frame source that cannot start (socketcan module missing, interface down, file unreadable). */
export class CanSourceError extends Error {
  override readonly name = 'CanSourceError';
  readonly code = 'CAN_SOURCE';
  constructor(
    readonly source: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${source}: ${reason}`, options);
  }
}
