/**
 * Proxy mode end to end: a hand-written charge point (testdata/peer.ts, raw `ws`, not ocpp-rpc)
 * -> the gateway -> a hand-written CSMS. Checks that frames pass unchanged both ways, that the
 * records follow the messages, and the heart of the design: across a CSMS outage in the middle of
 * a transaction no transaction message is lost or reordered.
 */
import { describe, expect, it } from 'vitest';
import { at, chargerOf, CSMS_PASSWORD, meterValues, ocppConfig, PASSWORD, startConnectors, testRig } from './testdata/harness.js';
import { RawChargePoint, RawCsms, waitFor } from './testdata/peer.js';

const rig = testRig();
const peers = rig.peers;

async function setUp(): Promise<{ csms: RawCsms; csmsPort: number; cp: RawChargePoint }> {
  const csms = new RawCsms({ CP1: CSMS_PASSWORD, CP2: CSMS_PASSWORD });
  const csmsPort = await csms.start();
  peers.push(csms);
  rig.endpoint = await startConnectors(ocppConfig({ mode: 'proxy', csms: { url: `ws://127.0.0.1:${csmsPort}/ocpp` } }));
  const cp = new RawChargePoint(rig.endpoint.url, 'CP1', { password: PASSWORD, reconnectMs: 50 });
  peers.push(cp);
  await cp.connect();
  return { csms, csmsPort, cp };
}

describe('OCPP proxy (1.6-J) between independent peers', () => {
  it('forwards every frame unchanged both ways and taps the exchanges into connector records', async () => {
    const { csms, cp } = await setUp();
    const boot = await cp.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Wall-22' });
    expect(boot).toMatchObject([3, 'CP1-1', { status: 'Accepted', interval: 60 }]);
    await cp.call('StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure', vendorErrorCode: 'E-17', timestamp: at(0) });
    await cp.call('StatusNotification', { connectorId: 2, status: 'Available', errorCode: 'NoError', timestamp: at(0) });

    // The CSMS received exactly the bytes the charger sent, same ids, same order.
    const sentTexts = cp.sent.map((s) => JSON.stringify([2, s.id, s.action, s.payload]));
    expect(csms.log.map((e) => e.text)).toEqual(sentTexts);

    // A CSMS call reaches the charger with the CSMS's own id, and the answer comes back with it.
    const answer = await csms.call('CP1', 'csms-call-7', 'ChangeAvailability', { connectorId: 1, type: 'Inoperative' });
    expect(answer).toEqual([3, 'csms-call-7', { status: 'Accepted' }]);
    expect(cp.received).toEqual([[2, 'csms-call-7', 'ChangeAvailability', { connectorId: 1, type: 'Inoperative' }]]);

    const c1 = chargerOf(rig.endpoint!.ctx('CP1.1'));
    expect(c1.at(-1)).toEqual({ connectorStatus: 'Faulted', errorCodes: ['GroundFailure'], vendorErrorCode: 'E-17', sessionCount: 0 });
    expect(rig.endpoint!.ctx('CP1.1').readings.at(-1)!.ts).toBe(Date.parse(at(0)));
    expect(rig.endpoint!.ctx('CP1.1').readings.every((r) => r.source === 'hardware')).toBe(true);
    expect(chargerOf(rig.endpoint!.ctx('CP1.2')).at(-1)).toEqual({ connectorStatus: 'Available', errorCodes: [], sessionCount: 0 });
    expect(rig.endpoint!.ctx('CP2.1').readings).toEqual([]);
    expect(rig.endpoint!.ctx('CP2.1').state).toBe('stale');
  });

  it('loses and reorders no transaction message across a CSMS outage in the middle of a transaction', async () => {
    const { csms, csmsPort, cp } = await setUp();
    await cp.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Wall-22' });
    await cp.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: at(0) });
    const start = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG-1', meterStart: 120_000, timestamp: at(0) });
    const tx = (start![2] as { transactionId: number }).transactionId;
    await cp.call('MeterValues', meterValues(1, tx, 1, 121.5, 11_040));

    // The CSMS dies on receiving the next meter value, before answering it (the call is in flight).
    csms.dieOn = (action) => action === 'MeterValues';
    const inFlight = cp.call('MeterValues', meterValues(1, tx, 2, 123.0, 11_020));
    await waitFor(() => !cp.online, 3000, 'the proxy to drop the charger when the CSMS went away');
    // Offline: the charger keeps charging and queues; a status change is not queued (not a transaction message).
    const queued = [cp.call('MeterValues', meterValues(1, tx, 3, 124.5, 11_000)), cp.call('StopTransaction', { transactionId: tx, meterStop: 125_250, timestamp: at(4), reason: 'EVDisconnected' })];
    expect(await cp.call('StatusNotification', { connectorId: 1, status: 'Finishing', errorCode: 'NoError' })).toBeUndefined();
    // While the CSMS is away the gateway refuses the charger (it does not pretend to be the CSMS).
    await waitFor(() => cp.lastUpgradeStatus === 503, 3000, 'a refused reconnect');
    expect(cp.online).toBe(false);
    await waitFor(() => rig.endpoint!.ctx('CP1.1').state === 'stale', 1000, 'connector stale');

    await csms.start(csmsPort);
    await Promise.all([inFlight, ...queued]);

    // Every message the charger sent reached the CSMS, in the charger's order, byte for byte; the
    // only repeat is the call whose answer the outage swallowed, re-sent by the charger itself.
    const atCsms = csms.calls('CP1');
    const firstSeen = atCsms.filter((c, i) => atCsms.findIndex((d) => d.id === c.id) === i);
    const distinctSent = cp.sent.filter((c, i) => cp.sent.findIndex((d) => d.id === c.id) === i);
    expect(firstSeen).toEqual(distinctSent);
    expect(atCsms.map((c) => c.action)).toEqual(['BootNotification', 'StatusNotification', 'StartTransaction', 'MeterValues', 'MeterValues', 'MeterValues', 'MeterValues', 'StopTransaction']);
    expect(atCsms[4]!.id).toBe(atCsms[5]!.id);
    expect(csms.log.filter((e) => e.frame[0] === 2).map((e) => e.text)).toEqual(cp.sent.map((s) => JSON.stringify([2, s.id, s.action, s.payload])));

    // Records: energy and session energy from the charger's own numbers, dated by its timestamps.
    const ctx = rig.endpoint!.ctx('CP1.1');
    const readings = chargerOf(ctx);
    const last = readings.at(-1)!;
    expect(last).toMatchObject({ energyDeliveredWh: 125_250, sessionEnergyWh: 5_250, sessionCount: 1 });
    expect(ctx.readings.at(-1)!.ts).toBe(Date.parse(at(4)));
    const meter = readings.filter((r) => r.powerW !== undefined);
    expect(meter.map((r) => r.energyDeliveredWh)).toEqual([121_500, 123_000, 124_500]);
    expect(meter[0]).toMatchObject({ powerW: 11_040, currentA: 16.1, voltageV: 231, temperatureC: 41.5, sessionEnergyWh: 1_500 });
    expect(meter[0]!.evSocPct).toBeUndefined();
    expect(ctx.states).toContain('stale');
    expect(rig.endpoint!.drivers[0]!.sharedEndpoint!.errorCounts().csms_unreachable).toBeGreaterThan(0);
  });

  it('answers malformed and schema-invalid messages with CALLERRORs, forwards none of them, and leaves other chargers alone', async () => {
    const { csms, cp } = await setUp();
    const other = new RawChargePoint(rig.endpoint!.url, 'CP2', { password: PASSWORD });
    peers.push(other);
    await other.connect();
    const before = csms.log.length;

    expect((await cp.sendText('{not json'))?.slice(0, 3)).toEqual([4, '-1', 'RpcFrameworkError']);
    expect((await cp.sendText(JSON.stringify([2, 'bad-1', 'StatusNotification', { connectorId: 1, status: 'Sleeping', errorCode: 'NoError' }])))?.slice(0, 3)).toEqual([4, 'bad-1', 'FormationViolation']);
    expect((await cp.sendText(JSON.stringify([2, 'bad-2', 'StartTransaction', { connectorId: 1 }])))?.slice(0, 3)).toEqual([4, 'bad-2', 'OccurrenceConstraintViolation']);
    expect((await cp.sendText(JSON.stringify([2, 'bad-3', 'MakeCoffee', {}])))?.slice(0, 3)).toEqual([4, 'bad-3', 'NotImplemented']);
    expect(csms.log.length).toBe(before);

    // The other charger's transaction goes through meanwhile.
    const start = await other.call('StartTransaction', { connectorId: 1, idTag: 'TAG-2', meterStart: 0, timestamp: at(0) });
    expect(start![0]).toBe(3);
    expect(chargerOf(rig.endpoint!.ctx('CP2.1')).at(-1)).toMatchObject({ sessionCount: 1, energyDeliveredWh: 0 });

    const ctx = rig.endpoint!.ctx('CP1.1');
    expect(ctx.reasonCounts()).toEqual({ format_violation: 1, not_implemented: 1, occurrence_constraint_violation: 1, rpc_framework_error: 1 });
    expect(rig.endpoint!.ctx('CP2.1').errors).toEqual([]);
  });
});
