/**
 * Config schema of the CAN block (`devices[].can`). Pure validation: file existence and whether
 * the mapped signals exist in the DBC are checked when the driver starts, because they need I/O.
 *
 *   can:
 *     interface: can0                # live capture (SocketCAN), or:
 *     replay: { file: pack.asc, format: asc, speed: 1, loop: false }
 *     dbc: /etc/ev-edge/pack.dbc
 *     map:
 *       packVoltageV: BMS_packVoltage                       # signal name, or MESSAGE.SIGNAL
 *       packCurrentA: { signal: BMS_packCurrent, scale: -1 } # flip a discharge-positive current
 *     signal_max_age_ms: 5000
 */
import { z } from 'zod';
import { OCPP_CONNECTOR_STATUSES } from '../../core/record.js';

/** Numeric BatterySignals fields a CAN signal can feed (core/record.ts). */
export const BATTERY_FIELDS = [
  'packVoltageV', 'packCurrentA', 'powerW', 'socPct', 'sohPct', 'tempMinC', 'tempMaxC', 'tempMeanC',
  'cellVoltageMinV', 'cellVoltageMaxV', 'cycleCount', 'remainingCapacityAh', 'fullCapacityAh',
] as const;
/** Numeric ChargerSignals fields a CAN signal can feed. */
export const CHARGER_FIELDS = [
  'powerW', 'energyDeliveredWh', 'sessionEnergyWh', 'temperatureC', 'uptimeS', 'sessionCount', 'sinceMaintenanceS',
] as const;
export type CanField = (typeof BATTERY_FIELDS)[number] | (typeof CHARGER_FIELDS)[number];
const ALL_FIELDS = [...new Set<CanField>([...BATTERY_FIELDS, ...CHARGER_FIELDS])] as [CanField, ...CanField[]];

const signalRef = z
  .string()
  .regex(/^([A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$/, 'expected SIGNAL or MESSAGE.SIGNAL (DBC names)');

export const signalMappingSchema = z.union([
  signalRef,
  z.strictObject({
    signal: signalRef,
    /** Applied after the DBC's factor/offset: field = value * scale + offset. scale -1 flips a sign. */
    scale: z.number().refine((v) => v !== 0, 'scale 0 would erase the signal').default(1),
    offset: z.number().default(0),
  }),
]);
export type SignalMappingConfig = z.infer<typeof signalMappingSchema>;

/**
 * Charger connector status from an enumerated signal: `values` maps raw values to OCPP statuses;
 * without it, the signal's VAL_ label is used when it is an OCPP status name.
 */
export const statusMappingSchema = z.strictObject({
  signal: signalRef,
  values: z.record(z.string().regex(/^-?\d+$/, 'expected an integer raw value'), z.enum(OCPP_CONNECTOR_STATUSES)).optional(),
});
export type StatusMappingConfig = z.infer<typeof statusMappingSchema>;

const mapSchema = z
  .strictObject({
    ...(Object.fromEntries(ALL_FIELDS.map((f) => [f, signalMappingSchema.optional()])) as Record<CanField, z.ZodOptional<typeof signalMappingSchema>>),
    connectorStatus: statusMappingSchema.optional(),
  })
  .refine((m) => Object.values(m).some((v) => v !== undefined), 'map at least one field');

export const replaySchema = z.strictObject({
  file: z.string().min(1),
  /** Default: identified from the file's first line; when given, the file must be of this format. */
  format: z.enum(['candump', 'asc', 'gvret', 'trc']).optional(),
  /** 1 = recorded speed, 10 = ten times faster, 0 = as fast as possible. */
  speed: z.number().min(0).max(1000).default(1),
  /** Start again from the top at the end of the log. */
  loop: z.boolean().default(false),
});

export const canConfigSchema = z
  .strictObject({
    /** SocketCAN interface for live capture, e.g. can0. */
    interface: z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/, 'expected a network interface name such as can0').optional(),
    replay: replaySchema.optional(),
    dbc: z.string().min(1),
    map: mapSchema,
    /** A signal older than this is left out of records (never repeated forever). */
    signal_max_age_ms: z.number().int().min(1).max(3_600_000).default(5000),
  })
  .superRefine((c, ctx) => {
    if ((c.interface === undefined) === (c.replay === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['interface'], message: 'set exactly one of "interface" (live) or "replay" (log file)' });
    }
  });
export type CanConfig = z.infer<typeof canConfigSchema>;
