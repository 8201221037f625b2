/**
 * MQTT sink (mqtt.js): QoS 1 (or 2) publishes, 'delivered' only when the broker acknowledged the
 * message (PUBACK / PUBCOMP: the publish callback). A retained birth message "online" on the status
 * topic, and the same topic as retained last will "offline" (sent by the broker if we vanish;
 * published by us on a clean close).
 *
 * Deliberate choices, unlike mqtt.js defaults:
 * - No automatic reconnect (reconnectPeriod 0): the drain loop owns reconnection, with full-jitter
 *   backoff, so there is exactly one retry policy and its state is visible in metrics.
 * - Never publish while disconnected: mqtt.js would queue such publishes in memory (lost on a
 *   crash, and invisible to the buffer). `write` throws instead and the records stay in the
 *   SQLite buffer, which is the only offline queue.
 * - mqtt.js never calls back a QoS 1 publish whose connection closed before the PUBACK, so the sink
 *   tracks its in-flight publishes and fails them itself on 'close' (they become 'retry'); a
 *   publish without PUBACK after `publish_timeout_ms` is also 'retry'. Retries may duplicate a
 *   message the broker did get: consumers deduplicate by the `key` field (at-least-once).
 */
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { EdgeRecord } from '../../core/record.js';
import type { DrainKeys, MqttConfig } from '../config.js';
import { probeTcp } from '../probe.js';
import type { Sink, WriteResult } from '../sink.js';
import { DEFAULT_RECORDS_PER_MESSAGE, encodeBatch, FORMAT_PROPERTIES } from './encoding.js';
import { fillTemplate } from './topics.js';

export type MqttSinkOptions = Omit<MqttConfig, keyof DrainKeys>;

const DEFAULT_PORTS: Record<string, number> = { 'mqtt:': 1883, 'mqtts:': 8883, 'ws:': 80, 'wss:': 443 };

/** Host and port of an mqtt://, mqtts://, ws:// or wss:// URL (the scheme's default port if none). */
export function brokerAddress(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : DEFAULT_PORTS[u.protocol] ?? 1883 };
}

export class MqttSink implements Sink {
  readonly name = 'mqtt';
  private client: MqttClient | undefined;
  private readonly inflight = new Set<(reason: string) => void>();
  private readonly statusTopic: string;

  constructor(
    private readonly options: MqttSinkOptions,
    private readonly gatewayId: string,
    private readonly log: Logger,
  ) {
    this.statusTopic = fillTemplate(options.status_topic, { gateway: gatewayId });
  }

  private clientOptions(): IClientOptions {
    const o = this.options;
    const tls = o.tls;
    return {
      clientId: o.client_id ?? `ev-edge-${this.gatewayId}`,
      clean: true,
      keepalive: o.keepalive_s,
      connectTimeout: o.connect_timeout_ms,
      reconnectPeriod: 0,
      queueQoSZero: false,
      protocolVersion: o.protocol_version,
      // mqtt.js traces every packet through `debug`, which builds an arguments array per call even
      // when tracing is off (about 5 % of the agent's allocations at 10 records/s, issue 15). Off
      // unless DEBUG is set, so `DEBUG=mqttjs*` still traces the client.
      ...(process.env.DEBUG ? {} : { log: noTrace }),
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : o.password_file ? { password: readFileSync(o.password_file, 'utf8').trim() } : {}),
      will: { topic: this.statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
      ...(tls?.enabled ? {
        rejectUnauthorized: tls.reject_unauthorized,
        ...(tls.ca_file ? { ca: readFileSync(tls.ca_file) } : {}),
        ...(tls.cert_file ? { cert: readFileSync(tls.cert_file) } : {}),
        ...(tls.key_file ? { key: readFileSync(tls.key_file) } : {}),
      } : {}),
    };
  }

  async connect(): Promise<void> {
    if (this.client?.connected) return;
    await this.close();
    const client = mqtt.connect(this.options.url, this.clientOptions());
    this.client = client;
    client.on('close', () => this.failInflight('connection closed before PUBACK'));
    // Errors also surface as a failed connect or as 'close'; the listener keeps them from throwing.
    client.on('error', (err) => this.log.debug({ sink: this.name, err: String(err) }, 'mqtt client error'));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`mqtt: no CONNACK within ${this.options.connect_timeout_ms} ms`)), this.options.connect_timeout_ms);
        const done = (err?: Error): void => {
          clearTimeout(timer);
          client.off('connect', onConnect);
          client.off('error', onError);
          client.off('close', onClose);
          if (err) reject(err);
          else resolve();
        };
        const onConnect = (): void => done();
        const onError = (err: Error): void => done(err);
        const onClose = (): void => done(new Error(`mqtt: connection to ${this.options.url} closed`));
        client.on('connect', onConnect);
        client.on('error', onError);
        client.on('close', onClose);
      });
      await this.publish(client, this.statusTopic, 'online', true);
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async write(batch: readonly EdgeRecord[]): Promise<WriteResult[]> {
    const client = this.client;
    if (!client?.connected) throw new Error('mqtt: not connected');
    const results: WriteResult[] = new Array(batch.length);
    const format = this.options.payload_format;
    const messages = await encodeBatch(batch, this.options.topics, format, this.options.records_per_message ?? DEFAULT_RECORDS_PER_MESSAGE[format]);
    const properties = this.options.protocol_version === 5 ? FORMAT_PROPERTIES[format] : undefined;
    await Promise.all(messages.map(async (m) => {
      const failure = await this.publish(client, m.topic, m.payload, false, this.options.publish_timeout_ms, properties).then(() => undefined, (err: Error) => err.message);
      for (const i of m.indices) results[i] = failure === undefined ? { status: 'delivered' } : { status: 'retry', reason: failure };
    }));
    // A connection that died under the whole batch: throw, so the loop reconnects right away.
    if (!client.connected && results.every((r) => r.status === 'retry')) throw new Error('mqtt: connection lost during write');
    return results;
  }

  /**
   * MQTT has nothing to ask before CONNECT (which would open a session), so the probe is a TCP
   * connection that the broker must keep open for a moment; TLS is not negotiated.
   */
  probe(): Promise<void> {
    return probeTcp(brokerAddress(this.options.url), { timeoutMs: this.options.connect_timeout_ms });
  }

  /** Resolves on the broker's acknowledgement; rejects on close, error or timeout. */
  private publish(client: MqttClient, topic: string, payload: string | Buffer, retain: boolean, timeoutMs = this.options.publish_timeout_ms, properties?: IClientPublishOptions['properties']): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inflight.delete(onClose);
        if (err) reject(err);
        else resolve();
      };
      const onClose = (reason: string): void => settle(new Error(reason));
      const timer = setTimeout(() => settle(new Error(`no acknowledgement within ${timeoutMs} ms`)), timeoutMs);
      this.inflight.add(onClose);
      client.publish(topic, payload, { qos: this.options.qos, retain, ...(properties ? { properties } : {}) }, (err) => settle(err ?? undefined));
    });
  }

  private failInflight(reason: string): void {
    for (const fail of [...this.inflight]) fail(reason);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (client.connected) {
      // A clean disconnect does not trigger the will: say "offline" ourselves.
      await this.publish(client, this.statusTopic, 'offline', true, 2000).catch(() => {});
    }
    this.failInflight('sink closed');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      client.end(!client.connected, {}, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    client.removeAllListeners();
    // A late socket error on an ended client must not become an unhandled 'error' event.
    client.on('error', () => {});
  }
}

function noTrace(): void {}
