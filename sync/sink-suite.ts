/**
 * The one contract test suite every Sink implementation runs (MQTT.js's abstract_store pattern):
 * a sink file calls `describeSinkContract` with a factory for its sink and a way to read what the
 * real upstream holds. The upstream's lifecycle (start in beforeAll, stop in afterAll) belongs to
 * the caller; `upstream.stop/start` are used by the last two tests only.
 */
import { describe, expect, it } from 'vitest';
import { sequenced, type EdgeRecord } from '../core/record.js';
import { makePendingRecords } from './drain/fixtures.js';
import type { Sink, WriteResult } from './sink.js';

export interface ContractOptions {
  /** true: the upstream deduplicates (PostgreSQL); false: at-least-once (MQTT, Kafka). */
  exactlyOnce: boolean;
  upstream: { stop(): Promise<void>; start(): Promise<void> };
  /**
   * false when the sink connects to a pooler in front of the upstream (PgBouncer): the probe reaches
   * the pooler, which still answers while the database behind it is down. The contract then pins
   * that blind spot (the probe keeps answering) instead of pretending the probe sees the database.
   */
  probeSeesUpstream?: boolean;
}

/**
 * How many copies of each key the upstream holds. Implementations wait (up to a few seconds)
 * until every key in `keys` is there, because a subscriber may see a message after its PUBACK.
 */
export type ReadBack = (keys: readonly string[]) => Promise<Map<string, number>>;

let batchCounter = 0;
/** Fresh records with keys no other test uses (a unique gateway id per batch). */
export function contractRecords(count: number, tag: string): EdgeRecord[] {
  const gatewayId = `gw-${tag}-${process.pid}-${++batchCounter}`;
  return makePendingRecords(count, { gatewayId, startTs: Date.now() - count * 1000 }).map((r, i) => sequenced(r, i + 1));
}

const delivered: WriteResult = { status: 'delivered' };

export function describeSinkContract(name: string, makeSink: () => Sink, readBack: ReadBack, options: ContractOptions): void {
  describe(`Sink contract: ${name}`, () => {
    it('close before connect, and twice, is safe', async () => {
      const sink = makeSink();
      await sink.close();
      await sink.close();
    });

    it('connect is idempotent and a closed sink can connect again', async () => {
      const sink = makeSink();
      try {
        await sink.connect();
        await sink.connect();
        await sink.close();
        await sink.connect();
        const records = contractRecords(3, `${name}-reconnect`);
        expect(await sink.write(records)).toEqual(records.map(() => delivered));
      } finally {
        await sink.close();
        await sink.close();
      }
    });

    it('write returns one result per record, in order, and the upstream holds every record', async () => {
      const sink = makeSink();
      try {
        await sink.connect();
        expect(await sink.write([])).toEqual([]);
        const records = contractRecords(57, `${name}-write`);
        const results = await sink.write(records);
        expect(results).toEqual(records.map(() => delivered));
        const counts = await readBack(records.map((r) => r.key));
        for (const r of records) expect(counts.get(r.key) ?? 0, r.key).toBeGreaterThanOrEqual(1);
        if (options.exactlyOnce) for (const r of records) expect(counts.get(r.key), r.key).toBe(1);
      } finally {
        await sink.close();
      }
    });

    it('re-sending the same batch creates no duplicate (or, at least once, loses nothing)', async () => {
      const sink = makeSink();
      try {
        await sink.connect();
        const records = contractRecords(20, `${name}-resend`);
        await sink.write(records);
        await sink.close();
        await sink.connect();
        // Overlapping re-send, as after a lost acknowledgement: the same records plus new ones.
        const more = [...records, ...contractRecords(5, `${name}-resend2`)];
        expect(await sink.write(more)).toEqual(more.map(() => delivered));
        const counts = await readBack(more.map((r) => r.key));
        for (const r of more) {
          if (options.exactlyOnce) expect(counts.get(r.key), r.key).toBe(1);
          else expect(counts.get(r.key) ?? 0, r.key).toBeGreaterThanOrEqual(1);
        }
      } finally {
        await sink.close();
      }
    });

    it('probe answers while the upstream runs and fails while it is down, without opening a session', async () => {
      const sink = makeSink();
      try {
        await sink.probe();
        // The probe connected nothing: a write still finds the sink unconnected.
        await expect(sink.write(contractRecords(1, `${name}-probe`))).rejects.toThrow();
        await options.upstream.stop();
        try {
          if (options.probeSeesUpstream === false) await sink.probe();
          else await expect(sink.probe()).rejects.toThrow(/^probe /);
        } finally {
          await options.upstream.start();
        }
        await sink.probe();
      } finally {
        await sink.close();
      }
    });

    it('write after the upstream stopped throws or returns retry, never delivered', async () => {
      const sink = makeSink();
      await sink.connect();
      await options.upstream.stop();
      try {
        const records = contractRecords(10, `${name}-down`);
        let results: WriteResult[] | undefined;
        try {
          results = await sink.write(records);
        } catch {
          results = undefined; // Throwing keeps the whole batch buffered: allowed.
        }
        if (results) {
          expect(results).toHaveLength(records.length);
          for (const r of results) expect(r.status).toBe('retry');
        }
      } finally {
        await sink.close();
        await options.upstream.start();
      }
    });
  });
}
