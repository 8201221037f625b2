/** Shared by the Kafka tests and the bench. */
import pino from 'pino';
import type { Logger } from 'pino';
import { kafkaSchema } from '../config.js';
import type { MockKafka } from './mock-cluster.js';
import { KafkaSink } from './sink.js';

export function kafkaSinkFor(cluster: MockKafka, log: Logger = pino({ level: 'silent' }), extra: Record<string, unknown> = {}): KafkaSink {
  return new KafkaSink(kafkaSchema.parse({
    brokers: [cluster.broker], topic: cluster.topic, connect_timeout_ms: 1500, request_timeout_ms: 2000, ...extra,
  }), log);
}
