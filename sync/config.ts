/**
 * Upstream sinks' config blocks (`sinks:`). Pure validation: no I/O (files named by `*_file` keys
 * are read when the sink is built, in sync/index.ts). A block that is absent means "no such sink";
 * a present block runs unless `enabled: false`.
 *
 * Secrets: `password` may come from the environment through the generic override
 * (EV_EDGE__SINKS__MQTT__PASSWORD=...) or from a file (`password_file`), never both.
 */
import { z } from 'zod';

/** The drain loop's knobs, shared by every sink. */
const drainKeys = {
  enabled: z.boolean().default(true),
  /** Records read from the buffer and handed to one `write` call. */
  batch_size: z.number().int().min(1).max(50_000).default(500),
  /** Upper bound on records sent per second; 0 = unlimited. */
  max_records_per_s: z.number().min(0).default(0),
  /** Reconnect / retry backoff: full jitter in [0, min(max, initial * 2^attempt)]. */
  backoff_initial_ms: z.number().int().min(1).max(3_600_000).default(500),
  backoff_max_ms: z.number().int().min(1).max(3_600_000).default(60_000),
  /**
   * Wait up to this long for a full batch before sending a partial one (0: send at once). On a
   * metered link at gateway rates a batch otherwise holds 1-2 records, and the compressed
   * encodings save little (gateway VM scenario 4: ~400 bytes per record).
   */
  linger_ms: z.number().int().min(0).max(3_600_000).default(0),
  /** Live data first: records newer than this are sent before the backlog. 0 disables. */
  live_window_ms: z.number().int().min(0).max(86_400_000).default(60_000),
  /** While the upstream is unreachable, probe it this often (sync/probe.ts); 0 = no probe, backoff only. */
  probe_interval_ms: z.number().int().min(0).max(600_000).default(1000),
  /** Once a probe sees the upstream back, reconnect after a random wait in [0, this]: a fleet spreads out. */
  reconnect_jitter_ms: z.number().int().min(0).max(600_000).default(2000),
};

const tlsSchema = z
  .strictObject({
    /** Use TLS (implied for mqtts:// URLs). */
    enabled: z.boolean().default(true),
    ca_file: z.string().min(1).optional(),
    cert_file: z.string().min(1).optional(),
    key_file: z.string().min(1).optional(),
    /** Only for lab setups: accept any server certificate. */
    reject_unauthorized: z.boolean().default(true),
  })
  .refine((t) => (t.cert_file === undefined) === (t.key_file === undefined), {
    message: 'cert_file and key_file go together (client certificate authentication)',
  });
export type TlsConfig = z.infer<typeof tlsSchema>;

/** A PostgreSQL interval such as "1 day", "7 days", "12 hours". */
const intervalSchema = z
  .string()
  .regex(/^\d+\s*(minute|hour|day|week|month|year)s?$/i, 'expected an interval such as "1 day" or "12 hours"');

function oneSecret(v: { password?: string | undefined; password_file?: string | undefined }): boolean {
  return v.password === undefined || v.password_file === undefined;
}
const secretMessage = { message: 'set password or password_file, not both', path: ['password_file'] };
function backoffOrdered(v: { backoff_initial_ms: number; backoff_max_ms: number }): boolean {
  return v.backoff_initial_ms <= v.backoff_max_ms;
}
const backoffMessage = { message: 'backoff_initial_ms must not exceed backoff_max_ms', path: ['backoff_initial_ms'] };

export const timescaleSchema = z
  .strictObject({
    ...drainKeys,
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).default(5432),
    database: z.string().min(1).default('ev_edge'),
    user: z.string().min(1).default('ev_edge'),
    password: z.string().optional(),
    password_file: z.string().min(1).optional(),
    /** PostgreSQL schema holding the tables (created if missing). */
    schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lower-case SQL identifier').default('ev_edge'),
    /**
     * Schema the timescaledb extension is created in when the sink creates it. Named explicitly
     * because a bare CREATE EXTENSION would put it in `schema` (first on the default search_path
     * when it is named like the role), out of reach of Grafana's and other gateways' roles.
     */
    extension_schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lower-case SQL identifier').default('public'),
    tls: tlsSchema.optional(),
    connect_timeout_ms: z.number().int().min(100).default(10_000),
    statement_timeout_ms: z.number().int().min(100).default(30_000),
    /** auto: hypertables when the extension can be created, else plain tables; require: fail without; off: plain. */
    timescale: z.enum(['auto', 'require', 'off']).default('auto'),
    chunk_interval: intervalSchema.default('1 day'),
    /** Compress chunks older than this (TimescaleDB only). Absent: no compression policy. */
    compress_after: intervalSchema.optional(),
    /** Drop chunks older than this (TimescaleDB only). Absent: keep forever. */
    retention: intervalSchema.optional(),
    /**
     * insert: one INSERT ... SELECT FROM unnest(arrays) per table; values: multi-row INSERT ... VALUES;
     * copy: COPY into a temporary staging table, then INSERT ... SELECT. All ON CONFLICT DO NOTHING.
     */
    write_method: z.enum(['insert', 'values', 'copy']).default('insert'),
    /**
     * full: every row also keeps the whole record as `record jsonb` (about 3/4 of a row's bytes
     * before compression, bench/drain.bench.ts); none: only the typed columns, `record` is NULL.
     */
    record: z.enum(['full', 'none']).default('full'),
  })
  .refine(oneSecret, secretMessage)
  .refine(backoffOrdered, backoffMessage);
export type TimescaleConfig = z.infer<typeof timescaleSchema>;

export const mqttSchema = z
  .strictObject({
    ...drainKeys,
    url: z.string().regex(/^(mqtts?|wss?):\/\/.+/, 'expected mqtt://HOST:PORT or mqtts://HOST:PORT').default('mqtt://127.0.0.1:1883'),
    /** Default: ev-edge-<gateway id>. Must be unique per broker. */
    client_id: z.string().min(1).max(128).optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    password_file: z.string().min(1).optional(),
    tls: tlsSchema.optional(),
    /** Topic templates: {gateway}, {device}, {kind}, {type}. Battery and charger records use `telemetry`. */
    topics: z
      .strictObject({
        telemetry: z.string().min(1).default('ev-edge/{gateway}/{device}/telemetry'),
        prediction: z.string().min(1).default('ev-edge/{gateway}/{device}/prediction'),
        alarm: z.string().min(1).default('ev-edge/{gateway}/{device}/alarm'),
      })
      .prefault({}),
    /** Retained "online" birth message and "offline" last will. */
    status_topic: z.string().min(1).default('ev-edge/{gateway}/status'),
    qos: z.union([z.literal(1), z.literal(2)]).default(1),
    /**
     * json: one JSON object per record (JSON arrays with records_per_message > 1); jsonl-gzip and
     * table-gzip: up to records_per_message records of one topic per gzip'd message (sync/mqtt/encoding.ts).
     */
    payload_format: z.enum(['json', 'jsonl-gzip', 'table-gzip']).default('json'),
    /** Records per message. Default: 1 for json, 250 for the gzip formats. */
    records_per_message: z.number().int().min(1).max(10_000).optional(),
    /** 4 = MQTT 3.1.1; 5 = MQTT 5, whose publishes also carry the payload's content type. */
    protocol_version: z.union([z.literal(4), z.literal(5)]).default(4),
    keepalive_s: z.number().int().min(0).max(65535).default(30),
    connect_timeout_ms: z.number().int().min(100).default(10_000),
    /** A publish not acknowledged within this time is kept for retry. */
    publish_timeout_ms: z.number().int().min(100).default(30_000),
  })
  .refine(oneSecret, secretMessage)
  .refine(backoffOrdered, backoffMessage);
export type MqttConfig = z.infer<typeof mqttSchema>;

export const kafkaSchema = z
  .strictObject({
    ...drainKeys,
    brokers: z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected HOST:PORT')).min(1).default(['127.0.0.1:9092']),
    client_id: z.string().min(1).default('ev-edge'),
    /** Default topic for every record type. */
    topic: z.string().min(1).default('ev-telemetry'),
    /** Per-type overrides (battery and charger records use `telemetry`). */
    topics: z
      .strictObject({
        telemetry: z.string().min(1).optional(),
        prediction: z.string().min(1).optional(),
        alarm: z.string().min(1).optional(),
      })
      .prefault({}),
    /** Record-batch compression (sync/kafka/codecs.ts): gzip is read by every consumer, zstd is smaller. */
    compression: z.enum(['none', 'gzip', 'zstd']).default('gzip'),
    /** gzip 1-9, zstd 1-19: higher is smaller on the wire and costs more CPU. */
    compression_level: z.number().int().min(1).max(19).default(9),
    /** Time the brokers have to acknowledge a batch (acks = all). */
    request_timeout_ms: z.number().int().min(100).default(30_000),
    connect_timeout_ms: z.number().int().min(100).default(10_000),
    tls: tlsSchema.optional(),
    sasl: z
      .strictObject({
        mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
        username: z.string().min(1),
        password: z.string().optional(),
        password_file: z.string().min(1).optional(),
      })
      .refine(oneSecret, secretMessage)
      .optional(),
  })
  .refine((k) => k.compression !== 'gzip' || k.compression_level <= 9, { message: 'gzip levels are 1-9', path: ['compression_level'] })
  .refine(backoffOrdered, backoffMessage);
export type KafkaConfig = z.infer<typeof kafkaSchema>;

export const sinksSchema = z
  .strictObject({
    timescale: timescaleSchema.optional(),
    mqtt: mqttSchema.optional(),
    kafka: kafkaSchema.optional(),
  })
  .prefault({});
export type SinksConfig = z.infer<typeof sinksSchema>;
/** The drain-loop knobs common to every sink block. */
export type DrainKeys = { [K in keyof typeof drainKeys]: z.infer<(typeof drainKeys)[K]> };

/** Names of the sinks that run: a present block runs unless `enabled: false` (as createSinks builds them). */
export function enabledSinkNames(sinks: SinksConfig): string[] {
  return Object.entries(sinks as Record<string, { enabled?: boolean } | undefined>)
    .filter(([, block]) => block !== undefined && block.enabled !== false)
    .map(([name]) => name);
}
