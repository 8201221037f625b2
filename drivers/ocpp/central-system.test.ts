/**
 * Standalone central system against the hand-written charge point (testdata/peer.ts, raw `ws`):
 * boot, status changes, the local authorisation list, a full transaction with meter values, a
 * charger reconnect mid-transaction, bad messages, and actions the gateway does not answer.
 */
import { describe, expect, it } from 'vitest';
import { at, chargerOf, meterValues, ocppConfig, PASSWORD, startConnectors, testRig } from './testdata/harness.js';
import { RawChargePoint, waitFor } from './testdata/peer.js';

const rig = testRig();
const peers = rig.peers;

async function setUp(extra: Record<string, unknown> = {}): Promise<RawChargePoint> {
  rig.endpoint = await startConnectors(
    ocppConfig({
      mode: 'central_system',
      ...extra,
      authorization_list: [{ id_tag: 'TAG-OK' }, { id_tag: 'TAG-BLOCKED', status: 'Blocked' }, { id_tag: 'TAG-OLD', expiry: '2020-01-01T00:00:00Z' }],
    }),
  );
  const cp = new RawChargePoint(rig.endpoint.url, 'CP1', { password: PASSWORD, reconnectMs: 50 });
  peers.push(cp);
  await cp.connect();
  return cp;
}

describe('OCPP standalone central system (1.6-J) with an independent charge point', () => {
  it('accepts the boot with the configured heartbeat interval and answers heartbeats with its time', async () => {
    const cp = await setUp();
    const boot = await cp.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Wall-22' });
    expect(boot![0]).toBe(3);
    expect(boot![2]).toMatchObject({ status: 'Accepted', interval: 60 });
    expect(Math.abs(Date.parse((boot![2] as { currentTime: string }).currentTime) - Date.now())).toBeLessThan(5000);
    const beat = await cp.call('Heartbeat', {});
    expect(Object.keys(beat![2] as object)).toEqual(['currentTime']);
    // Boot and heartbeat say the charger is alive: both connectors get their standing state.
    expect(chargerOf(rig.endpoint!.ctx('CP1.2'))).toEqual([{ errorCodes: [], sessionCount: 0 }, { errorCodes: [], sessionCount: 0 }]);
  });

  it('answers Authorize from the local list: accepted, blocked, expired, unknown', async () => {
    const cp = await setUp();
    const status = async (idTag: string) => ((await cp.call('Authorize', { idTag }))![2] as { idTagInfo: { status: string } }).idTagInfo.status;
    expect(await status('TAG-OK')).toBe('Accepted');
    expect(await status('TAG-BLOCKED')).toBe('Blocked');
    expect(await status('TAG-OLD')).toBe('Expired');
    expect(await status('TAG-NOBODY')).toBe('Invalid');
  });

  it('runs a full transaction with meter values through a charger reconnect into connector records', async () => {
    const cp = await setUp();
    await cp.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Wall-22' });
    await cp.call('StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError', timestamp: at(0) });
    const start = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG-OK', meterStart: 50_000, timestamp: at(0) });
    const { transactionId, idTagInfo } = start![2] as { transactionId: number; idTagInfo: { status: string } };
    expect(idTagInfo.status).toBe('Accepted');
    expect(Number.isInteger(transactionId)).toBe(true);
    await cp.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: at(0) });
    await cp.call('MeterValues', meterValues(1, transactionId, 1, 51.0, 7_200));

    // The charger drops and comes back (a reboot of its modem, say): stale, then running again.
    const ctx = rig.endpoint!.ctx('CP1.1');
    await cp.stop();
    await waitFor(() => ctx.state === 'stale', 2000, 'stale after the charger dropped');
    const again = new RawChargePoint(rig.endpoint!.url, 'CP1', { password: PASSWORD });
    peers.push(again);
    await again.connect();
    await again.call('MeterValues', meterValues(1, transactionId, 2, 52.5, 7_100));
    const stop = await again.call('StopTransaction', { transactionId, idTag: 'TAG-OK', meterStop: 53_000, timestamp: at(3), reason: 'Local' });
    expect(stop![2]).toEqual({ idTagInfo: { status: 'Accepted' } });
    await again.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: at(4) });

    const readings = chargerOf(ctx);
    // boot, status, start, status, meter, (reconnect) meter, stop, status
    expect(readings.map((r) => r.connectorStatus)).toEqual([undefined, 'Preparing', 'Preparing', 'Charging', 'Charging', 'Charging', 'Charging', 'Available']);
    expect(readings.map((r) => r.sessionEnergyWh)).toEqual([undefined, undefined, 0, undefined, 1_000, 2_500, 3_000, undefined]);
    expect(readings.map((r) => r.sessionCount)).toEqual([0, 0, 1, 1, 1, 1, 1, 1]);
    expect(readings.at(-1)).toEqual({ connectorStatus: 'Available', errorCodes: [], sessionCount: 1 });
    expect(ctx.states).toEqual(['starting', 'stale', 'running', 'stale', 'running']);
    expect(ctx.errors).toEqual([]);
  });

  it('refuses what it cannot honour and what breaks the schema, per reason, without dropping the charger', async () => {
    const cp = await setUp();
    expect((await cp.sendText(JSON.stringify([2, 'x-1', 'DataTransfer', { vendorId: 'acme' }])))?.slice(0, 3)).toEqual([4, 'x-1', 'NotImplemented']);
    expect((await cp.sendText(JSON.stringify([2, 'x-2', 'StatusNotification', { connectorId: 1, status: 'Available' }])))?.slice(0, 3)).toEqual([4, 'x-2', 'OccurrenceConstraintViolation']);
    expect((await cp.sendText(JSON.stringify([2, 'x-3', 'Heartbeat', { extra: 1 }])))?.slice(0, 3)).toEqual([4, 'x-3', 'PropertyConstraintViolation']);
    expect((await cp.sendText('[2]'))?.slice(0, 3)).toEqual([4, '-1', 'RpcFrameworkError']);
    expect(cp.online).toBe(true);
    expect(rig.endpoint!.ctx('CP1.1').reasonCounts()).toEqual({ not_implemented: 1, occurrence_constraint_violation: 1, property_constraint_violation: 1, rpc_framework_error: 1 });
  });

  it('disconnects a charger after max_bad_messages in a row; it may come back', async () => {
    const cp = await setUp({ max_bad_messages: 3 });
    await cp.sendText('garbage-1');
    await cp.call('Heartbeat', {}); // a good message ends the streak
    await cp.sendText('garbage-2');
    await cp.sendText('garbage-3');
    expect(cp.connects).toBe(1);
    await cp.sendText('garbage-4', 300);
    // Dropped on the third bad message in a row, and back (the peer reconnects after 50 ms).
    await waitFor(() => cp.connects === 2 && cp.online, 2000, 'the charger to be dropped and to reconnect');
    expect(rig.endpoint!.ctx('CP1.1').count('rpc_framework_error')).toBe(4);
  });

  it('lets a new connection of the same identity replace the old one (one connection per charger)', async () => {
    await setUp();
    const first = rig.peers[0] as RawChargePoint;
    const second = new RawChargePoint(rig.endpoint!.url, 'CP1', { password: PASSWORD, reconnectMs: 60_000 });
    rig.peers.push(second);
    await second.connect();
    await waitFor(() => !first.online, 2000, 'the old connection to be closed');
    await first.stop(); // a real charger would reconnect and take over in turn
    await second.call('StatusNotification', { connectorId: 1, status: 'Unavailable', errorCode: 'NoError', timestamp: at(9) });
    expect(chargerOf(rig.endpoint!.ctx('CP1.1')).at(-1)).toMatchObject({ connectorStatus: 'Unavailable' });
    expect(rig.endpoint!.ctx('CP1.1').state).toBe('running');
  });
});
