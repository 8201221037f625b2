/**
 * Kafka sink (kafkajs): one produce request per batch with acks = -1 (all in-sync replicas), so
 * 'delivered' means the cluster committed it. Key = device id (per-device order within a
 * partition), the idempotency key in the `ev-edge-key` header, the record type in `ev-edge-type`,
 * the JSON record as value, gzip compression by default.
 *
 * kafkajs's idempotent producer is deliberately not used: consumers deduplicate by `ev-edge-key`
 * (at-least-once), which also covers re-sends after a gateway restart that a producer id would not.
 * A failed send throws (the batch stays buffered; the drain loop reconnects) unless the broker
 * refused the data itself (message too large, invalid record): then the batch is bisected and only
 * the refused records come back 'rejected'.
 */
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type Message, type Producer, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { EdgeRecord } from '../../core/record.js';
import type { DrainKeys, KafkaConfig } from '../config.js';
import { probeAny, type ProbeHello } from '../probe.js';
import type { Sink, WriteResult } from '../sink.js';
import { compressionType, registerCodec } from './codecs.js';

export type KafkaSinkOptions = Omit<KafkaConfig, keyof DrainKeys>;

const PROBE_CORRELATION_ID = 0x65766567;
/**
 * ApiVersions v0 (api key 18), which every broker answers before SASL authentication: the probe
 * succeeds only when a broker process really answers, not when a hung one's kernel accepts TCP.
 */
export const API_VERSIONS_HELLO: ProbeHello = (() => {
  const clientId = Buffer.from('ev-edge-probe');
  const header = Buffer.alloc(10);
  header.writeInt16BE(18, 0);
  header.writeInt16BE(0, 2);
  header.writeInt32BE(PROBE_CORRELATION_ID, 4);
  header.writeInt16BE(clientId.length, 8);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + clientId.length);
  return {
    request: Buffer.concat([size, header, clientId]),
    answered: (received) => received.length >= 8 && received.readInt32BE(4) === PROBE_CORRELATION_ID,
  };
})();

/** Broker error types that blame the records, not the connection. */
const DATA_ERRORS = new Set(['MESSAGE_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_TIMESTAMP']);

export function isKafkaDataError(err: unknown): boolean {
  const e = err as { type?: unknown; retriable?: unknown; originalError?: unknown; errors?: unknown };
  // kafkajs throws a plain RangeError while ENCODING a value it cannot represent (e.g. a
  // non-integer timestamp): the record is at fault, and retrying the batch would loop forever.
  if (err instanceof RangeError) return true;
  if (typeof e.type === 'string' && DATA_ERRORS.has(e.type)) return true;
  if (e.originalError) return isKafkaDataError(e.originalError);
  if (Array.isArray(e.errors)) return e.errors.length > 0 && e.errors.every(isKafkaDataError);
  return false;
}

export function topicOf(options: Pick<KafkaConfig, 'topic' | 'topics'>, r: EdgeRecord): string {
  const kind = r.type === 'prediction' ? 'prediction' : r.type === 'alarm' ? 'alarm' : 'telemetry';
  return options.topics[kind] ?? options.topic;
}

export function toMessage(r: EdgeRecord): Message {
  return {
    key: r.deviceId,
    value: JSON.stringify(r),
    headers: { 'ev-edge-key': r.key, 'ev-edge-type': r.type },
    // Kafka's timestamp only when the gateway's clock is believable; else the broker's time.
    // Kafka timestamps are whole milliseconds: replayed CAN logs carry sub-millisecond times, and
    // a fraction makes kafkajs reject the WHOLE batch (found by the reliability campaign).
    ...(r.clockTrusted && Number.isFinite(r.ts) ? { timestamp: String(Math.round(r.ts)) } : {}),
  };
}

export class KafkaSink implements Sink {
  readonly name = 'kafka';
  private producer: Producer | undefined;
  /** The codec is registered once, before the first send (zstd loads its WebAssembly module). */
  private readonly codec: Promise<void>;

  constructor(
    private readonly options: KafkaSinkOptions,
    private readonly log: Logger,
  ) {
    this.codec = registerCodec(options.compression, options.compression_level);
    this.codec.catch(() => {}); // surfaces on the first write
  }

  async connect(): Promise<void> {
    if (this.producer) return;
    const o = this.options;
    const tls = o.tls?.enabled ? {
      rejectUnauthorized: o.tls.reject_unauthorized,
      ...(o.tls.ca_file ? { ca: [readFileSync(o.tls.ca_file, 'utf8')] } : {}),
      ...(o.tls.cert_file ? { cert: readFileSync(o.tls.cert_file, 'utf8') } : {}),
      ...(o.tls.key_file ? { key: readFileSync(o.tls.key_file, 'utf8') } : {}),
    } : undefined;
    const sasl = o.sasl ? ({
      mechanism: o.sasl.mechanism,
      username: o.sasl.username,
      password: o.sasl.password ?? (o.sasl.password_file ? readFileSync(o.sasl.password_file, 'utf8').trim() : ''),
    } as SASLOptions) : undefined;
    const log = this.log;
    const kafka = new Kafka({
      clientId: o.client_id,
      brokers: o.brokers,
      connectionTimeout: o.connect_timeout_ms,
      requestTimeout: o.request_timeout_ms,
      // Few, short internal retries: the drain loop owns the long backoff and the buffer holds the data.
      retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
      ...(tls ? { ssl: tls } : {}),
      ...(sasl ? { sasl } : {}),
      logLevel: logLevel.WARN,
      logCreator: () => ({ namespace, label, log: entry }) => log.debug({ sink: 'kafka', namespace, label, msg: entry.message }, 'kafkajs'),
    });
    const producer = kafka.producer({ allowAutoTopicCreation: true, idempotent: false });
    try {
      await producer.connect();
    } catch (err) {
      await producer.disconnect().catch(() => {});
      throw err;
    }
    this.producer = producer;
  }

  /** Any broker of the list answering ApiVersions (a TCP connection only, when TLS is on). */
  probe(): Promise<void> {
    const targets = this.options.brokers.map((b) => {
      const colon = b.lastIndexOf(':');
      return { host: b.slice(0, colon), port: Number(b.slice(colon + 1)) };
    });
    return probeAny(targets, { timeoutMs: this.options.connect_timeout_ms, ...(this.options.tls?.enabled ? {} : { hello: API_VERSIONS_HELLO }) });
  }

  async write(batch: readonly EdgeRecord[]): Promise<WriteResult[]> {
    const producer = this.producer;
    if (!producer) throw new Error('kafka: not connected');
    await this.codec;
    const results: WriteResult[] = new Array(batch.length);
    await this.sendOrBisect(producer, batch, batch.map((_, i) => i), results);
    return results;
  }

  private async sendOrBisect(producer: Producer, batch: readonly EdgeRecord[], indices: number[], results: WriteResult[]): Promise<void> {
    if (indices.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const i of indices) {
      const r = batch[i] as EdgeRecord;
      const topic = topicOf(this.options, r);
      const list = byTopic.get(topic) ?? [];
      list.push(toMessage(r));
      byTopic.set(topic, list);
    }
    try {
      await producer.sendBatch({
        acks: -1,
        timeout: this.options.request_timeout_ms,
        compression: compressionType(this.options.compression),
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      for (const i of indices) results[i] = { status: 'delivered' };
    } catch (err) {
      if (!isKafkaDataError(err)) throw err;
      if (indices.length === 1) {
        results[indices[0] as number] = { status: 'rejected', reason: `kafka: ${(err as Error).message}` };
        return;
      }
      const mid = Math.ceil(indices.length / 2);
      await this.sendOrBisect(producer, batch, indices.slice(0, mid), results);
      await this.sendOrBisect(producer, batch, indices.slice(mid), results);
    }
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (!producer) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      producer.disconnect().catch(() => {}),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 2000);
      }),
    ]);
    clearTimeout(timer);
  }
}
