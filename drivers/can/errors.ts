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

/** One bad line of a CAN log. Returned (not thrown) by the log readers and counted by callers. */
export class LogLineError extends Error {
  override readonly name = 'LogLineError';
  readonly code = 'CAN_LOG_LINE';
  constructor(
    readonly format: string,
    readonly line: number,
    readonly reason: string,
    readonly text: string,
  ) {
    super(`${format} line ${line}: ${reason}: ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text)}`);
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
