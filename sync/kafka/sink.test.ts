import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaSchema } from '../config.js';
import { contractRecords, describeSinkContract } from '../sink-suite.js';
import { MockKafka } from './mock-cluster.js';
import { isKafkaDataError, toMessage, topicOf } from './sink.js';
import { kafkaSinkFor } from './test-support.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
let cluster: MockKafka;
beforeAll(async () => {
  cluster = await MockKafka.start('ev-telemetry');
});
afterAll(async () => {
  await cluster?.stop();
});

describeSinkContract('kafka', () => kafkaSinkFor(cluster), (keys) => cluster.waitFor(keys), {
  exactlyOnce: false,
  upstream: { stop: async () => cluster.pause(), start: async () => cluster.resume() },
});

describe('KafkaSink', () => {
  it('keys messages by device, carries the idempotency key and type in headers, and routes per type', async () => {
    const records = contractRecords(10, 'kafka-shape');
    const sink = kafkaSinkFor(cluster);
    await sink.connect();
    await sink.write(records);
    await sink.close();
    await cluster.waitFor(records.map((r) => r.key));
    for (const r of records) {
      const seen = cluster.seen.find((m) => m.headers.includes(`ev-edge-key=${r.key}`));
      expect(seen).toMatchObject({ topic: 'ev-telemetry', key: r.deviceId });
      expect(seen!.headers).toContain(`ev-edge-type=${r.type}`);
      expect(JSON.parse(seen!.value)).toEqual(r);
    }
    const config = kafkaSchema.parse({ topics: { alarm: 'ev-alarms' } });
    expect(topicOf(config, records.find((r) => r.type === 'alarm')!)).toBe('ev-alarms');
    expect(topicOf(config, records[0]!)).toBe('ev-telemetry');
    expect(toMessage(records[0]!).timestamp).toBe(String(records[0]!.ts));
  });

  it('treats only data errors from the broker as permanent', () => {
    expect(isKafkaDataError({ type: 'MESSAGE_TOO_LARGE', retriable: false })).toBe(true);
    // A value kafkajs cannot encode blames the record, not the connection (no endless retry).
    expect(isKafkaDataError(new RangeError('The number 1.5 cannot be converted to a BigInt'))).toBe(true);
    expect(toMessage({ type: 'battery', deviceId: 'd', seq: 1, key: 'g/d/1', ts: 1699478226883.54, clockTrusted: true } as never).timestamp).toBe('1699478226884');
    expect(isKafkaDataError({ name: 'KafkaJSNumberOfRetriesExceeded', originalError: { type: 'REQUEST_TIMED_OUT' } })).toBe(false);
    expect(isKafkaDataError(new Error('Connection error: ECONNREFUSED'))).toBe(false);
  });
});

describe('MockKafka', () => {
  it('says how its kcat died, with the last lines kcat logged (for the campaign\'s post-mortem)', async () => {
    const doomed = await MockKafka.start('ev-doomed');
    expect(doomed.exitInfo()).toBeNull();
    const pid = (doomed as unknown as { child: { pid: number } }).child.pid;
    process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + 5000;
    while (doomed.exitInfo() === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const death = doomed.exitInfo();
    expect(death).toMatchObject({ code: null, signal: 'SIGKILL' });
    expect(death!.stderrTail.length).toBeGreaterThan(0); // librdkafka's broker debug lines
  });
});
