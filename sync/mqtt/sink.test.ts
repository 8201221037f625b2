import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractRecords, describeSinkContract } from '../sink-suite.js';
import { startMosquitto, type MosquittoServer } from './mosquitto.js';
import { MqttCollector, mqttSinkFor } from './test-support.js';
import { toMessages } from './topics.js';
import { mqttSchema } from '../config.js';

let server: MosquittoServer;
let collector: MqttCollector;
beforeAll(async () => {
  server = await startMosquitto();
  collector = await MqttCollector.start(server);
});
afterAll(async () => {
  await collector?.stop();
  await server?.destroy();
});

describeSinkContract('mqtt', () => mqttSinkFor(server), (keys) => collector.waitFor(keys), {
  exactlyOnce: false,
  upstream: { stop: () => server.stop(), start: () => server.start() },
});

describe('MqttSink', () => {
  const topics = mqttSchema.parse({}).topics;

  it('routes records to topic templates by type and batches N per message on one topic', () => {
    const records = contractRecords(10, 'topics');
    const single = toMessages(records, topics, 1);
    expect(single).toHaveLength(10);
    expect(single[0]!.topic).toBe(`ev-edge/${records[0]!.gatewayId}/pack-0/telemetry`);
    expect(single[8]!.topic).toMatch(/\/pack-0\/prediction$/);
    expect(single[9]!.topic).toMatch(/\/pack-1\/alarm$/);
    expect(JSON.parse(single[3]!.payload)).toEqual(records[3]);
    const sameDevice = records.slice(0, 5).map((r) => ({ ...r, deviceId: 'pack-0' }));
    const grouped = toMessages(sameDevice, topics, 2);
    expect(grouped.map((m) => m.indices)).toEqual([[0, 1], [2, 3], [4]]);
    expect(JSON.parse(grouped[0]!.payload)).toEqual(sameDevice.slice(0, 2));
    // A topic change starts a new message even when the current one has room.
    expect(toMessages(records.slice(0, 3), topics, 10).map((m) => m.indices)).toEqual([[0], [1], [2]]);
  });

  it('delivers JSON arrays when records_per_message > 1', async () => {
    const sink = mqttSinkFor(server, 'gw-arrays', undefined, { records_per_message: 4 });
    await sink.connect();
    const before = collector.messages;
    const records = contractRecords(12, 'arrays').map((r) => ({ ...r, deviceId: 'pack-0' }));
    expect((await sink.write(records)).every((r) => r.status === 'delivered')).toBe(true);
    const counts = await collector.waitFor(records.map((r) => r.key));
    expect(counts.size).toBe(12);
    await sink.close();
    expect(collector.messages - before).toBeLessThan(12);
  });

  it('publishes a retained birth message and, on a clean close, a retained offline', async () => {
    const sink = mqttSinkFor(server, 'gw-birth');
    await sink.connect();
    const readRetained = async (): Promise<string> => {
      const c = await mqtt.connectAsync(server.url, { reconnectPeriod: 0 });
      const value = await new Promise<string>((resolve) => {
        c.on('message', (_t, p) => resolve(p.toString()));
        void c.subscribeAsync('ev-edge/gw-birth/status', { qos: 1 });
      });
      await c.endAsync();
      return value;
    };
    expect(await readRetained()).toBe('online');
    await sink.close();
    expect(await readRetained()).toBe('offline');
  });

  it('the broker publishes the last will "offline" when the gateway vanishes', async () => {
    const sink = mqttSinkFor(server, 'gw-will');
    await sink.connect();
    // Kill the TCP connection without DISCONNECT, as a crash or a cut network would.
    (sink as unknown as { client: { stream: { destroy(): void } } }).client.stream.destroy();
    const c = await mqtt.connectAsync(server.url, { reconnectPeriod: 0 });
    const value = await new Promise<string>((resolve) => {
      c.on('message', (_t, p) => { if (p.toString() === 'offline') resolve('offline'); });
      void c.subscribeAsync('ev-edge/gw-will/status', { qos: 1 });
    });
    await c.endAsync();
    expect(value).toBe('offline');
    await sink.close();
  });
});
