import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSinkContract, contractRecords } from '../sink-suite.js';
import { startPgServer, type PgServer } from './embedded-pg.js';
import { pgKeyCounts, timescaleSinkFor } from './test-support.js';

let server: PgServer;
beforeAll(async () => {
  server = await startPgServer();
});
afterAll(async () => {
  await server?.destroy();
});

describeSinkContract('timescale', () => timescaleSinkFor(server), (keys) => pgKeyCounts(server, keys), {
  exactlyOnce: true,
  upstream: { stop: () => server.stop(), start: () => server.start() },
});

describeSinkContract('timescale (write_method copy)', () => timescaleSinkFor(server, undefined, { write_method: 'copy' }), (keys) => pgKeyCounts(server, keys), {
  exactlyOnce: true,
  upstream: { stop: () => server.stop(), start: () => server.start() },
});

describe('TimescaleSink', () => {
  it.each(['values', 'copy'])('write_method %s stores the same rows as the default', async (method) => {
    const records = contractRecords(30, `same-${method}`);
    const tricky = records.find((r) => r.type === 'alarm')!;
    if (tricky.type === 'alarm') tricky.alarm.message = 'tab\there, newline\nthere, back\\slash, "quoted", \\N';
    const a = timescaleSinkFor(server, undefined, { schema: `same_${method}` });
    const b = timescaleSinkFor(server, undefined, { write_method: method });
    for (const [sink, rs] of [[a, records], [b, records.map((r) => ({ ...r, gatewayId: r.gatewayId + 'b', key: r.key + 'b' }))]] as const) {
      await sink.connect();
      expect((await sink.write(rs)).every((r) => r.status === 'delivered')).toBe(true);
      await sink.close();
    }
    const typed = 'device_id, ts, seq, pack_voltage_v, soc_pct, cycle_count, alarm_flags, error_codes, connector_status, charging_state, charger_temperature_c';
    const rest = "device_id, ts, seq, record - 'key' - 'gatewayId' AS rest";
    const rows = async (schema: string, filter: string, params: unknown[]) => [
      ...(await server.query(`SELECT ${typed} FROM ${schema}.telemetry ${filter} ORDER BY device_id, seq`, params)),
      ...(await server.query(`SELECT ${rest}, rule, severity, message, value, threshold FROM ${schema}.alarms ${filter} ORDER BY device_id, seq`, params)),
      ...(await server.query(`SELECT ${rest}, model, model_version, inputs_ts, outputs FROM ${schema}.predictions ${filter} ORDER BY device_id, seq`, params)),
      ...(await server.query(`SELECT ${rest} FROM ${schema}.telemetry ${filter} ORDER BY device_id, seq`, params)),
    ];
    const left = await rows(`same_${method}`, '', []);
    const right = await rows('ev_edge', 'WHERE key = ANY($1)', [records.map((r) => r.key + 'b')]);
    expect(right).toEqual(left);
    expect(right.length).toBe(54); // 24 telemetry (typed + rest), 3 alarms, 3 predictions
    const [msg] = await server.query('SELECT message FROM ev_edge.alarms WHERE key = $1', [tricky.key + 'b']);
    expect(msg!.message).toBe(tricky.type === 'alarm' ? tricky.alarm.message : '');
  });

  it('migrates once, records the version, and falls back to plain tables with a log line', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
    const sink = timescaleSinkFor(server, log, { schema: 'fallback_check' });
    await sink.connect();
    await sink.close();
    const again = timescaleSinkFor(server, log, { schema: 'fallback_check' });
    await again.connect();
    await again.close();
    const versions = await server.query<{ version: number }>('SELECT version FROM fallback_check.schema_migrations');
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3]);
    const indexes = await server.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE schemaname = 'fallback_check' AND indexname LIKE '%\\_ts' ORDER BY indexname");
    expect(indexes.map((i) => i.indexname)).toEqual(expect.arrayContaining(['alarms_gateway_ts', 'alarms_ts', 'telemetry_gateway_ts', 'telemetry_ts']));
    expect(sink.mode).toBe('plain');
    expect(lines.join('')).toContain('TimescaleDB extension not available: using plain PostgreSQL tables');
  });

  it.each(['insert', 'values', 'copy'])('record: none keeps the typed columns and stores no full-record copy (%s)', async (method) => {
    const sink = timescaleSinkFor(server, pino({ level: 'silent' }), { schema: `lean_${method}`, record: 'none', write_method: method });
    await sink.connect();
    const records = contractRecords(10, `lean-${method}`);
    expect((await sink.write(records)).every((r) => r.status === 'delivered')).toBe(true);
    await sink.close();
    const [t] = await server.query(`SELECT count(*) AS n, count(record) AS with_record, count(soc_pct) AS with_soc FROM lean_${method}.telemetry`);
    const batteries = records.filter((r) => r.type === 'battery').length;
    expect(t).toEqual({ n: '8', with_record: '0', with_soc: String(batteries) });
    const [p] = await server.query(`SELECT record, outputs FROM lean_${method}.predictions`);
    expect(p).toMatchObject({ record: null, outputs: expect.any(Object) });
  });

  it('timescale: require fails to connect without the extension', async () => {
    const sink = timescaleSinkFor(server, pino({ level: 'silent' }), { schema: 'require_check', timescale: 'require' });
    await expect(sink.connect()).rejects.toThrow(/require/);
    await sink.close();
  });

  it.each(['insert', 'values', 'copy'])('rejects only the records PostgreSQL refuses (%s), with the reason, and commits the rest', async (method) => {
    const sink = timescaleSinkFor(server, pino({ level: 'silent' }), { write_method: method });
    await sink.connect();
    const records = contractRecords(40, `reject-${method}`);
    // A NUL character: valid JSON and JavaScript, refused by PostgreSQL text and jsonb (SQLSTATE 22P05 / 22021).
    const bad = [5, 33].map((i) => records[i]!);
    for (const r of bad) (r as { deviceId: string }).deviceId = `pack\u0000${r.seq}`;
    (records[12] as { ts: number }).ts = Number.NaN;
    const results = await sink.write(records);
    await sink.close();
    expect(results[5]).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/postgres 22/) });
    expect(results[33]).toMatchObject({ status: 'rejected' });
    expect(results[12]).toMatchObject({ status: 'rejected', reason: expect.stringContaining('invalid ts') });
    const fine = records.filter((_, i) => ![5, 12, 33].includes(i));
    expect(results.filter((r) => r.status === 'delivered')).toHaveLength(fine.length);
    const counts = await pgKeyCounts(server, records.map((r) => r.key));
    expect([...counts.keys()].sort()).toEqual(fine.map((r) => r.key).sort());
  });

  it('stores typed columns Grafana queries, and the full record as JSONB', async () => {
    const sink = timescaleSinkFor(server);
    await sink.connect();
    const records = contractRecords(10, 'columns');
    await sink.write(records);
    await sink.close();
    const battery = records.find((r) => r.type === 'battery')!;
    const [row] = await server.query('SELECT * FROM ev_edge.telemetry WHERE key = $1', [battery.key]);
    if (battery.type !== 'battery') throw new Error('fixture');
    expect(row).toMatchObject({
      gateway_id: battery.gatewayId, device_id: battery.deviceId, device_kind: 'battery', source: 'simulator',
      clock_trusted: true, seq: String(battery.seq), pack_voltage_v: battery.battery.packVoltageV, soc_pct: battery.battery.socPct,
      cycle_count: 412, alarm_flags: [], record_type: 'battery',
    });
    expect((row!.ts as Date).getTime()).toBe(battery.ts);
    expect(row!.record).toEqual(battery);
    const charger = records.find((r) => r.type === 'charger')!;
    const [c] = await server.query('SELECT connector_status, energy_delivered_wh, charger_temperature_c FROM ev_edge.telemetry WHERE key = $1', [charger.key]);
    expect(c).toEqual({ connector_status: 'Charging', energy_delivered_wh: expect.any(Number), charger_temperature_c: 41.5 });
    const [p] = await server.query('SELECT model, outputs FROM ev_edge.predictions WHERE key = $1', [records.find((r) => r.type === 'prediction')!.key]);
    expect(p).toMatchObject({ model: 'rul', outputs: { rul_cycles: expect.any(Number) } });
    const [a] = await server.query('SELECT rule, severity, threshold FROM ev_edge.alarms WHERE key = $1', [records.find((r) => r.type === 'alarm')!.key]);
    expect(a).toEqual({ rule: 'pack_overtemperature', severity: 'warning', threshold: 55 });
  });
});
