/**
 * zstd and gzip-9 record batches, read back by an independent consumer: librdkafka (kcat) behind
 * the mock cluster decompresses what kafkajs + our codecs produced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaSchema } from '../config.js';
import { contractRecords } from '../sink-suite.js';
import { MockKafka } from './mock-cluster.js';
import { kafkaSinkFor } from './test-support.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
let cluster: MockKafka;
beforeAll(async () => {
  cluster = await MockKafka.start('ev-codecs');
});
afterAll(async () => {
  await cluster?.stop();
});

describe('Kafka compression codecs', () => {
  for (const [compression, level] of [['zstd', 9], ['gzip', 9], ['gzip', 1]] as const) {
    it(`${compression} level ${level}: every record arrives intact`, async () => {
      const records = contractRecords(50, `${compression}${level}`);
      const sink = kafkaSinkFor(cluster, undefined, { compression, compression_level: level });
      await sink.connect();
      expect((await sink.write(records)).every((r) => r.status === 'delivered')).toBe(true);
      await sink.close();
      const counts = await cluster.waitFor(records.map((r) => r.key));
      expect(counts.size).toBe(records.length);
      for (const r of records) {
        const seen = cluster.seen.find((m) => m.headers.includes(`ev-edge-key=${r.key}`));
        expect(JSON.parse(seen!.value)).toEqual(r);
      }
    });
  }

  it('refuses gzip levels above 9', () => {
    expect(() => kafkaSchema.parse({ compression: 'gzip', compression_level: 12 })).toThrow(/gzip levels are 1-9/);
    expect(kafkaSchema.parse({ compression: 'zstd', compression_level: 12 }).compression_level).toBe(12);
  });
});
