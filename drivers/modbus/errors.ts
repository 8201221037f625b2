/**
 * Typed errors of the Modbus driver. Each carries a short, fixed `reason` (the label passed to
 * ctx.reportError, so the agent can count them) and a message that says what was wrong and where.
 */

/** Modbus exception codes (Modbus Application Protocol v1.1b3, section 7) by name. */
export const MODBUS_EXCEPTION_NAMES: Readonly<Record<number, string>> = {
  1: 'IllegalFunction',
  2: 'IllegalDataAddress',
  3: 'IllegalDataValue',
  4: 'ServerDeviceFailure',
  5: 'Acknowledge',
  6: 'ServerDeviceBusy',
  8: 'MemoryParityError',
  10: 'GatewayPathUnavailable',
  11: 'GatewayTargetFailedToRespond',
};

export function exceptionName(code: number): string {
  return MODBUS_EXCEPTION_NAMES[code] ?? `UnknownException${code}`;
}

/** A register map file that cannot be used: names the file and the entry. */
export class ModbusMapError extends Error {
  override readonly name = 'ModbusMapError';
  readonly reason = 'bad_map';
  constructor(
    readonly file: string,
    /** Every problem found, each already prefixed with its entry (e.g. `points[3] "V"`). */
    readonly problems: string[],
  ) {
    super(`register map ${file}: ${problems.join('; ')}`);
  }
}

/** Registers that cannot be turned into a value (too few words, words out of 0..65535). */
export class ModbusDecodeError extends Error {
  override readonly name = 'ModbusDecodeError';
  readonly reason = 'decode_error';
  constructor(message: string) {
    super(message);
  }
}

/** The device answered with a Modbus exception response. */
export class ModbusExceptionError extends Error {
  override readonly name = 'ModbusExceptionError';
  readonly exception: string;
  readonly reason: string;
  constructor(
    readonly code: number,
    /** Which request, e.g. `unit 1 holding 40070+64`. */
    readonly where: string,
  ) {
    const name = exceptionName(code);
    super(`${where}: Modbus exception ${code} ${name}`);
    this.exception = name;
    this.reason = `exception_${name}`;
  }
}

/** No (valid) answer in time: the device is silent, the unit id is wrong or the link is down. */
export class ModbusTimeoutError extends Error {
  override readonly name = 'ModbusTimeoutError';
  readonly reason = 'timeout';
  constructor(readonly where: string, readonly timeoutMs: number) {
    super(`${where}: no answer within ${timeoutMs} ms`);
  }
}

/** The port or TCP connection could not be opened or dropped: reconnect on the next poll. */
export class ModbusConnectionError extends Error {
  override readonly name = 'ModbusConnectionError';
  readonly reason = 'connection';
  constructor(readonly where: string, readonly causeMessage: string) {
    super(`${where}: ${causeMessage}`);
  }
}

/** A response that is malformed (bad CRC, wrong length, unexpected unit or function). */
export class ModbusFrameError extends Error {
  override readonly name = 'ModbusFrameError';
  readonly reason = 'bad_frame';
  constructor(readonly where: string, readonly causeMessage: string) {
    super(`${where}: ${causeMessage}`);
  }
}

export type ModbusIoError = ModbusExceptionError | ModbusTimeoutError | ModbusConnectionError | ModbusFrameError;
