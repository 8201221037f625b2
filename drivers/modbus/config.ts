/**
 * Config schema of the modbus block (`devices[].modbus`). Pure validation, no I/O: the map file is
 * loaded (and its errors reported) when the driver is built.
 */
import { z } from 'zod';

export const modbusConfigSchema = z
  .strictObject({
    transport: z.enum(['tcp', 'rtu']),
    /** TCP: the device or gateway address. */
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).default(502),
    /** RTU: the serial device, e.g. /dev/ttyUSB0 or /dev/serial/by-id/... */
    path: z.string().min(1).optional(),
    baud_rate: z.number().int().min(300).max(921_600).default(9600),
    parity: z.enum(['none', 'even', 'odd']).default('none'),
    data_bits: z.union([z.literal(7), z.literal(8)]).default(8),
    stop_bits: z.union([z.literal(1), z.literal(2)]).default(1),
    /** Modbus unit (slave) id. RTU: 1-247. TCP: 0-255 (gateways route by it; many devices want 1 or 255). */
    unit_id: z.number().int().min(0).max(255).default(1),
    /** Per-request timeout. */
    timeout_ms: z.number().int().min(10).max(60_000).default(1000),
    /** Extra attempts after a timeout or a garbled frame, within one poll. */
    retries: z.number().int().min(0).max(10).default(1),
    /** A shipped map name (see drivers/modbus/maps/) or a path to a YAML map file. */
    map: z.string().min(1),
    /** Overrides the map's base_address (e.g. where SunSpec model 802 starts on this device). */
    base_address: z.number().int().min(0).max(65535).optional(),
    /** Largest hole read through to merge two points into one request (0 = never read holes). */
    max_gap: z.number().int().min(0).max(124).default(10),
    /** Largest register read per request (some devices accept less than the protocol's 125). */
    max_registers: z.number().int().min(1).max(125).default(125),
    /** Consecutive failed polls after which the device is reported stale. */
    stale_after: z.number().int().min(1).max(1000).default(2),
  })
  .superRefine((c, ctx) => {
    if (c.transport === 'tcp' && c.host === undefined) {
      ctx.addIssue({ code: 'custom', path: ['host'], message: 'transport tcp needs host' });
    }
    if (c.transport === 'rtu') {
      if (c.path === undefined) ctx.addIssue({ code: 'custom', path: ['path'], message: 'transport rtu needs path (serial device)' });
      if (c.unit_id < 1 || c.unit_id > 247) {
        ctx.addIssue({ code: 'custom', path: ['unit_id'], message: 'an RTU unit id is 1-247 (0 is broadcast, which gets no answer)' });
      }
    }
  });
export type ModbusConfig = z.infer<typeof modbusConfigSchema>;
