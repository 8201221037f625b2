/**
 * Config schema of the serial block (`devices[].serial`), pure: no port is touched here. Every key
 * is explained in drivers/serial/example.yaml. The baud rate defaults per protocol, so it is
 * resolved by `resolveSerialConfig` rather than by a schema default.
 */
import { z } from 'zod';

export const SERIAL_PROTOCOLS = ['jbd', 'daly', 'jk'] as const;
export type SerialProtocolName = (typeof SERIAL_PROTOCOLS)[number];

export const DEFAULT_BAUD_RATES: Record<SerialProtocolName, number> = { jbd: 9600, daly: 9600, jk: 115200 };
const BAUD_RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400] as const;

export const serialConfigSchema = z
  .strictObject({
    /** jbd (JBD/Xiaoxiang/Overkill), daly, jk (JK "4E 57" RS485/UART protocol). */
    protocol: z.enum(SERIAL_PROTOCOLS),
    /** The serial device; prefer a stable /dev/serial/by-id/... name or a udev symlink. */
    path: z.string().min(1).regex(/^\//, 'expected an absolute path such as /dev/ttyUSB0'),
    /** Default: 9600 (jbd, daly), 115200 (jk). */
    baud_rate: z
      .number()
      .int()
      .refine((b) => (BAUD_RATES as readonly number[]).includes(b), `expected one of ${BAUD_RATES.join(', ')}`)
      .optional(),
    /** Daly: host address byte of the requests, 0x40 (UART) or 0x80 (some RS485 boards). */
    address: z.number().int().min(0).max(255).default(0x40),
    /** How long to wait for each answer before counting a timeout. */
    request_timeout_ms: z.number().int().min(20).max(10_000).default(500),
    /** Series cell count: Daly uses it if the BMS does not report its own (status 0x94). */
    cells: z.number().int().min(1).max(48).optional(),
    /** After this many requests in a row without an answer the device is reported stale. */
    stale_after_timeouts: z.number().int().min(1).max(1000).default(3),
    /** For firmwares that report discharge as positive: flips the sign of the current. */
    invert_current: z.boolean().default(false),
    /** Reopening an unplugged port: first retry delay, doubled up to the maximum. */
    reconnect_min_ms: z.number().int().min(10).max(600_000).default(500),
    reconnect_max_ms: z.number().int().min(10).max(600_000).default(30_000),
  })
  .refine((c) => c.reconnect_min_ms <= c.reconnect_max_ms, {
    path: ['reconnect_max_ms'],
    message: 'reconnect_max_ms must be at least reconnect_min_ms',
  });

export type SerialConfig = z.infer<typeof serialConfigSchema>;
export type SerialConfigInput = z.input<typeof serialConfigSchema>;

export interface ResolvedSerialConfig extends SerialConfig {
  baud_rate: number;
}

export function resolveSerialConfig(config: SerialConfig): ResolvedSerialConfig {
  return { ...config, baud_rate: config.baud_rate ?? DEFAULT_BAUD_RATES[config.protocol] };
}
