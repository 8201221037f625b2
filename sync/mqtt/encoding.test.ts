/**
 * The compressed MQTT payload formats, read back the way the README tells consumers to: with the
 * real `gunzip` and `jq` binaries on what a real Mosquitto delivered (MQTT 5 properties included).
 */
import { spawnSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mqttSchema } from '../config.js';
import { contractRecords, describeSinkContract } from '../sink-suite.js';
import { encodeBatch, fromTable, groupByTopic, toTable } from './encoding.js';
import { startMosquitto, type MosquittoServer } from './mosquitto.js';
import { MqttCollector, mqttSinkFor } from './test-support.js';

/** The jq line documented in encoding.ts and the README. */
const TABLE_JQ = '.columns as $c | .rows[] | . as $r | reduce range($c|length) as $i ({}; if $r[$i] == null then . else setpath($c[$i]; $r[$i]) end)';

function shell(cmd: string, input: Buffer): unknown[] {
  const res = spawnSync('sh', ['-c', cmd], { input });
  if (res.status !== 0) throw new Error(`${cmd}: ${res.stderr.toString()}`);
  return res.stdout.toString().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);
}

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

describeSinkContract('mqtt table-gzip', () => mqttSinkFor(server, 'gw-table', undefined, { payload_format: 'table-gzip' }), (keys) => collector.waitFor(keys), {
  exactlyOnce: false,
  upstream: { stop: () => server.stop(), start: () => server.start() },
});

describe('MQTT payload formats', () => {
  const topics = mqttSchema.parse({}).topics;

  it('groups by topic across the batch, keeps each topic in order and caps the group size', () => {
    const records = contractRecords(40, 'groups');
    const groups = groupByTopic(records, topics, 3);
    expect(groups.flatMap((g) => g.indices).sort((a, b) => a - b)).toEqual(records.map((_, i) => i));
    for (const g of groups) {
      expect(g.indices.length).toBeLessThanOrEqual(3);
      expect([...g.indices].sort((a, b) => a - b)).toEqual(g.indices);
      expect(new Set(g.indices.map((i) => records[i]!.deviceId + records[i]!.type)).size).toBe(1);
    }
  });

  it('table rows rebuild every record type, nested objects, arrays and empty objects', () => {
    const records = contractRecords(20, 'table').map((r) => (r.type === 'prediction' ? { ...r, prediction: { ...r.prediction, outputs: {} } } : r));
    const table = toTable(records);
    expect(fromTable(table)).toEqual(JSON.parse(JSON.stringify(records)));
    expect(table.columns).toContainEqual(['battery', 'cellVoltagesV']);
  });

  it('a table-gzip message from Mosquitto decodes with gunzip and jq into the records, with MQTT 5 properties', async () => {
    const base = contractRecords(30, 'jq');
    const battery = base.find((r) => r.type === 'battery')!;
    const records = base.map((r) => ({ ...battery, seq: r.seq, key: r.key, ts: r.ts, battery: { ...(battery.type === 'battery' ? battery.battery : {}), packVoltageV: 50 + r.seq / 10 } }));
    const sub = await mqtt.connectAsync(server.url, { protocolVersion: 5, reconnectPeriod: 0 });
    const got: Array<{ payload: Buffer; properties: unknown }> = [];
    sub.on('message', (_t, payload, packet) => got.push({ payload, properties: packet.properties }));
    await sub.subscribeAsync(`ev-edge/${records[0]!.gatewayId}/#`, { qos: 1 });
    const sink = mqttSinkFor(server, 'gw-jq', undefined, { payload_format: 'table-gzip', protocol_version: 5, records_per_message: 25 });
    await sink.connect();
    expect((await sink.write(records)).every((r) => r.status === 'delivered')).toBe(true);
    await sink.close();
    const deadline = Date.now() + 5000;
    while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await sub.endAsync();
    expect(got).toHaveLength(2); // 25 + 5 records
    expect(got[0]!.properties).toMatchObject({ contentType: 'application/vnd.ev-edge.table+json', userProperties: { 'content-encoding': 'gzip' } });
    const decoded = got.flatMap((m) => shell(`gunzip | jq -c '${TABLE_JQ}'`, m.payload));
    expect(decoded).toEqual(JSON.parse(JSON.stringify(records)));
  });

  it('jsonl-gzip decodes with gunzip and jq into the same objects as the json format', async () => {
    const records = contractRecords(12, 'jsonl');
    const messages = await encodeBatch(records, topics, 'jsonl-gzip', 100);
    const decoded = messages.flatMap((m) => shell('gunzip | jq -c .', m.payload as Buffer));
    const order = messages.flatMap((m) => m.indices);
    expect(decoded).toEqual(order.map((i) => JSON.parse(JSON.stringify(records[i]))));
    const json = await encodeBatch(records, topics, 'json', 1);
    expect(json.map((m) => JSON.parse(m.payload as string))).toEqual(JSON.parse(JSON.stringify(records)));
    expect(gunzipSync(messages[0]!.payload as Buffer).toString().endsWith('\n')).toBe(true);
  });
});
