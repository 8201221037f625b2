/**
 * Read-back for MQTT tests and the bench: a SEPARATE client with a persistent session (clean:
 * false, QoS 1 subscription) that records every key it receives, so messages published while it
 * was reconnecting after a broker restart are still delivered to it.
 */
import { gunzipSync } from 'node:zlib';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import type { Logger } from 'pino';
import { mqttSchema } from '../config.js';
import type { MosquittoServer } from './mosquitto.js';
import { fromTable } from './encoding.js';
import { MqttSink } from './sink.js';

/** Records of one message in any payload_format (gzip'd payloads start with 1f 8b). */
export function decodePayload(payload: Buffer): Array<{ key: string }> {
  if (payload[0] !== 0x1f || payload[1] !== 0x8b) {
    const parsed = JSON.parse(payload.toString()) as { key: string } | Array<{ key: string }>;
    return Array.isArray(parsed) ? parsed : [parsed];
  }
  const text = gunzipSync(payload).toString();
  if (text.startsWith('{"format":')) return fromTable(JSON.parse(text) as { columns: string[][]; rows: unknown[][] }) as Array<{ key: string }>;
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { key: string });
}

export function mqttSinkFor(server: MosquittoServer, gatewayId = 'gw-test', log: Logger = pino({ level: 'silent' }), extra: Record<string, unknown> = {}): MqttSink {
  const config = mqttSchema.parse({ url: server.url, connect_timeout_ms: 2000, publish_timeout_ms: 5000, client_id: `ev-edge-${gatewayId}-${Math.random().toString(36).slice(2, 8)}`, ...extra });
  return new MqttSink(config, gatewayId, log);
}

export class MqttCollector {
  readonly counts = new Map<string, number>();
  readonly retained = new Map<string, string>();
  /** Keys in arrival order (for live-first checks). */
  readonly order: string[] = [];
  messages = 0;
  private constructor(private readonly client: MqttClient) {}

  static async start(server: MosquittoServer, filter = 'ev-edge/#'): Promise<MqttCollector> {
    const client = mqtt.connect(server.url, { clientId: `collector-${process.pid}-${Math.random().toString(36).slice(2, 8)}`, clean: false, reconnectPeriod: 100 });
    client.on('error', () => {});
    const collector = new MqttCollector(client);
    client.on('message', (topic, payload, packet) => {
      const text = payload.toString();
      if (topic.endsWith('/status')) {
        collector.retained.set(topic, text);
        return;
      }
      if (packet.retain) return;
      collector.messages++;
      for (const r of decodePayload(payload)) {
        collector.counts.set(r.key, (collector.counts.get(r.key) ?? 0) + 1);
        collector.order.push(r.key);
      }
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => client.subscribe(filter, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
    });
    return collector;
  }

  /** Waits until every key arrived (or the timeout passed) and returns the counts for them. */
  async waitFor(keys: readonly string[], timeoutMs = 10_000): Promise<Map<string, number>> {
    const deadline = Date.now() + timeoutMs;
    while (keys.some((k) => !this.counts.has(k)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return new Map(keys.filter((k) => this.counts.has(k)).map((k) => [k, this.counts.get(k) as number]));
  }

  async stop(): Promise<void> {
    await this.client.endAsync(true).catch(() => {});
  }
}
