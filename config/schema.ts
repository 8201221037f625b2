/**
 * The configuration schema: raw YAML in, a typed and validated object out. Pure: no I/O here.
 * Every key is documented in config/ev-edge.example.yaml; unknown keys are errors so that a typo
 * never silently falls back to a default.
 */
import { z } from 'zod';
import { driverBlocks, expandDevices } from '../drivers/config.js';
import { sinksSchema } from '../sync/config.js';
import { scoringSchema } from '../models/config.js';
import { sizeSchema } from './units.js';
import { cronProblem } from '../core/cron.js';

const idSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected 1-64 letters, digits, ".", "_" or "-"');

const listenSchema = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected HOST:PORT, e.g. 127.0.0.1:9100');

const cronSchema = z.string().superRefine((expression, ctx) => {
  const problem = cronProblem(expression);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `expected a cron expression such as "*/5 * * * *" (${problem})` });
});

export const deviceSchema = z
  .strictObject({
    id: idSchema,
    kind: z.enum(['battery', 'charger']),
    driver: z.enum(['simulator', 'can', 'modbus', 'serial', 'ocpp']),
    /** What to run while the hardware is absent. */
    fallback: z.enum(['none', 'simulator']).default('none'),
    /** How often a record is emitted (wall-clock ms). */
    interval_ms: z.number().int().min(10).max(3_600_000).default(1000),
    /** With fallback: how often to look for the hardware while simulating. */
    reprobe_interval_ms: z.number().int().min(100).max(3_600_000).default(10_000),
    /** With fallback: how long hardware may stay stale before the simulator takes over. */
    fallback_grace_ms: z.number().int().min(0).max(3_600_000).default(30_000),
    /** A device with no reading for this long is marked stale (default: 5 x interval_ms, at least 5 s). */
    stale_after_ms: z.number().int().min(100).optional(),
    ...driverBlocks,
  })
  .superRefine((device, ctx) => {
    if (device.driver !== 'simulator' && device[device.driver] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [device.driver],
        message: `driver "${device.driver}" needs a "${device.driver}:" block with its settings`,
      });
    }
    if (device.driver === 'ocpp' && device.kind !== 'charger') {
      ctx.addIssue({ code: 'custom', path: ['kind'], message: 'driver "ocpp" reads chargers: kind must be charger' });
    }
  });
export type DeviceConfig = z.infer<typeof deviceSchema>;

export const configSchema = z.strictObject({
  gateway: z.strictObject({ id: idSchema.default('gateway-1') }).prefault({}),
  /** Folder for the buffer and other state. Relative paths are relative to the working dir. */
  data_dir: z.string().min(1).default('./data'),
  log: z
    .strictObject({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info') })
    .prefault({}),
  clock: z
    .strictObject({
      trust: z.enum(['auto', 'always', 'never']).default('auto'),
      min_valid_time: z.iso.datetime({ offset: true }).default('2026-01-01T00:00:00Z'),
    })
    .prefault({}),
  http: z
    .strictObject({
      listen: listenSchema.default('127.0.0.1:9100'),
      /** Optional bearer token for everything but /healthz and /readyz. */
      token: z.string().min(8, 'expected a token of at least 8 characters').optional(),
    })
    .prefault({}),
  buffer: z
    .strictObject({
      max_bytes: sizeSchema.default(512 * 1024 * 1024),
      flush_interval_ms: z.number().int().min(1).max(60_000).default(250),
      batch_max_records: z.number().int().min(1).max(100_000).default(2000),
      /** How long records every sink has are kept for local history (status page, API). */
      retention_hours: z.number().min(0).max(24 * 365).default(24),
      /** full: a committed record survives power loss; normal: survives a crash only. */
      synchronous: z.enum(['full', 'normal']).default('full'),
    })
    .prefault({}),
  housekeeping: z
    .strictObject({
      compaction_cron: cronSchema.default('*/5 * * * *'),
      retention_cron: cronSchema.default('7 * * * *'),
    })
    .prefault({}),
  devices: z.array(deviceSchema).default([]).transform(expandDevices),
  sinks: sinksSchema,
  scoring: scoringSchema,
}).superRefine((config, ctx) => {
  const seen = new Map<string, number>();
  config.devices.forEach((device, index) => {
    const first = seen.get(device.id);
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['devices', index, 'id'],
        message: `duplicate device id "${device.id}" (also devices[${first}])`,
      });
    } else seen.set(device.id, index);
  });
});

export type AgentConfig = z.infer<typeof configSchema>;
