/**
 * Standalone central system with an OCPP 2.0.1 station (the hand-written peer, raw `ws`): boot,
 * idTokens against the local list, a transaction of TransactionEvents into per-EVSE records, and
 * what the gateway does not answer.
 */
import { describe, expect, it } from 'vitest';
import { chargerOf, ocppConfig, PASSWORD, startConnectors, testRig } from './testdata/harness.js';
import { RawChargePoint } from './testdata/peer.js';

const rig = testRig();
const t = (minute: number) => new Date(Date.UTC(2026, 5, 1, 12, minute)).toISOString();
const register = (minute: number, wh: number) => [{ timestamp: t(minute), sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }];
// 2.0.1 has no Temperature measurand: a station reports temperatures and problems through NotifyEvent.
let eventId = 0;
const ev = (minute: number, component: Record<string, unknown>, variable: string, actualValue: string, extra: Record<string, unknown> = {}) => ({
  eventId: ++eventId, timestamp: t(minute), trigger: 'Alerting', actualValue, eventNotificationType: 'HardWiredMonitor', component, variable: { name: variable }, ...extra,
});

async function setUp(): Promise<RawChargePoint> {
  rig.endpoint = await startConnectors(
    ocppConfig({ mode: 'central_system', protocols: ['ocpp2.0.1'], authorization_list: [{ id_tag: 'CARD-1' }, { id_tag: 'CARD-OLD', expiry: '2020-01-01T00:00:00Z' }] }),
  );
  const cs = new RawChargePoint(rig.endpoint.url, 'CP1', { password: PASSWORD, protocol: 'ocpp2.0.1' });
  rig.peers.push(cs);
  await cs.connect();
  return cs;
}

describe('OCPP standalone central system (2.0.1) with an independent station', () => {
  it('boots, authorises from the local list, and records a transaction per EVSE', async () => {
    const cs = await setUp();
    expect((await cs.call('BootNotification', { reason: 'PowerUp', chargingStation: { model: 'M', vendorName: 'V' } }))![2]).toMatchObject({ status: 'Accepted', interval: 60 });
    const auth = async (idToken: string) => ((await cs.call('Authorize', { idToken: { idToken, type: 'ISO14443' } }))![2] as { idTokenInfo: { status: string } }).idTokenInfo.status;
    expect([await auth('CARD-1'), await auth('CARD-OLD'), await auth('CARD-X')]).toEqual(['Accepted', 'Expired', 'Invalid']);

    await cs.call('StatusNotification', { timestamp: t(0), connectorStatus: 'Occupied', evseId: 2, connectorId: 1 });
    const started = await cs.call('TransactionEvent', { eventType: 'Started', timestamp: t(1), triggerReason: 'Authorized', seqNo: 0, transactionInfo: { transactionId: 'T-9', chargingState: 'Charging' }, evse: { id: 2, connectorId: 1 }, idToken: { idToken: 'CARD-1', type: 'ISO14443' }, meterValue: register(1, 9_000) });
    expect(started![2]).toEqual({ idTokenInfo: { status: 'Accepted' } });
    await cs.call('TransactionEvent', { eventType: 'Updated', timestamp: t(2), triggerReason: 'MeterValuePeriodic', seqNo: 1, transactionInfo: { transactionId: 'T-9' }, meterValue: register(2, 9_600) });
    expect((await cs.call('TransactionEvent', { eventType: 'Ended', timestamp: t(3), triggerReason: 'EVDeparted', seqNo: 2, transactionInfo: { transactionId: 'T-9', chargingState: 'Idle', stoppedReason: 'EVDisconnected' }, meterValue: register(3, 9_750) }))![2]).toEqual({});
    await cs.call('StatusNotification', { timestamp: t(4), connectorStatus: 'Available', evseId: 2, connectorId: 1 });

    const evse2 = chargerOf(rig.endpoint!.ctx('CP1.2'));
    expect(evse2.slice(1)).toEqual([
      { sessionCount: 0 },
      { connectorStatus: 'Charging', energyDeliveredWh: 9_000, sessionEnergyWh: 0, sessionCount: 1 },
      { connectorStatus: 'Charging', energyDeliveredWh: 9_600, sessionEnergyWh: 600, sessionCount: 1 },
      { energyDeliveredWh: 9_750, sessionEnergyWh: 750, sessionCount: 1 },
      { connectorStatus: 'Available', sessionCount: 1 },
    ]);
    expect(chargerOf(rig.endpoint!.ctx('CP1.1')).every((r) => r.sessionCount === 0)).toBe(true);
  });

  it('maps NotifyEvent problems, their clearing, temperatures and AvailabilityState into EVSE records', async () => {
    const cs = await setUp();
    const notify = async (seqNo: number, eventData: unknown[]) => (await cs.call('NotifyEvent', { generatedAt: t(seqNo), seqNo, eventData }))![2];
    // The station says its control cabinet sensor reports in Kelvin: those temperatures are refused.
    expect((await cs.call('NotifyReport', { requestId: 1, generatedAt: t(0), seqNo: 0, reportData: [
      { component: { name: 'TemperatureSensor', instance: 'Cabinet' }, variable: { name: 'Temperature' }, variableAttribute: [{ value: '300' }], variableCharacteristics: { unit: 'K', dataType: 'decimal', supportsMonitoring: true } },
    ] }))![2]).toEqual({});
    expect(chargerOf(rig.endpoint!.ctx('CP1.2'))).toEqual([]);

    // Periodic temperature of EVSE 2's sensor, no unit (Celsius): a reading, no problem.
    expect(await notify(0, [ev(1, { name: 'TemperatureSensor', evse: { id: 2 } }, 'Temperature', '41.5', { trigger: 'Periodic', eventNotificationType: 'PreconfiguredMonitor' })])).toEqual({});
    // The EVSE's hard-wired over-temperature monitor fires, and the EVSE goes Faulted.
    await notify(1, [
      ev(2, { name: 'EVSE', evse: { id: 2 } }, 'Temperature', '78.0', { techCode: 'OT-17', variableMonitoringId: 5 }),
      ev(2, { name: 'EVSE', evse: { id: 2 } }, 'AvailabilityState', 'Faulted', { trigger: 'Delta', eventNotificationType: 'HardWiredNotification', cause: eventId }),
    ]);
    // The Kelvin sensor (station-wide): refused and counted, nothing recorded from it.
    await notify(2, [ev(3, { name: 'TemperatureSensor', instance: 'Cabinet' }, 'Temperature', '351.2', { trigger: 'Periodic' })]);
    // A problem of EVSE 1's connector without a techCode.
    await notify(3, [ev(4, { name: 'Connector', evse: { id: 1, connectorId: 1 } }, 'Problem', 'true', { eventNotificationType: 'HardWiredNotification' })]);
    // Back to normal: the over-temperature clears, the EVSE is Available again.
    await notify(4, [
      ev(5, { name: 'EVSE', evse: { id: 2 } }, 'Temperature', '59.5', { cleared: true, variableMonitoringId: 5 }),
      ev(5, { name: 'EVSE', evse: { id: 2 } }, 'AvailabilityState', 'Available', { trigger: 'Delta' }),
    ]);
    await notify(5, [ev(6, { name: 'Connector', evse: { id: 1, connectorId: 1 } }, 'Problem', 'false', { cleared: true })]);

    const evse2 = rig.endpoint!.ctx('CP1.2');
    expect(chargerOf(evse2)).toEqual([
      { temperatureC: 41.5, errorCodes: [], sessionCount: 0 },
      { connectorStatus: 'Faulted', temperatureC: 78, errorCodes: ['HighTemperature'], vendorErrorCode: 'OT-17', sessionCount: 0 },
      { connectorStatus: 'Faulted', errorCodes: ['HighTemperature'], vendorErrorCode: 'OT-17', sessionCount: 0 },
      { connectorStatus: 'Available', temperatureC: 59.5, errorCodes: [], sessionCount: 0 },
    ]);
    expect(evse2.readings.map((r) => r.ts)).toEqual([1, 2, 3, 5].map((m) => Date.parse(t(m))));
    expect(chargerOf(rig.endpoint!.ctx('CP1.1'))).toEqual([
      { errorCodes: [], sessionCount: 0 },
      { errorCodes: ['OtherError'], vendorErrorCode: 'Connector.Problem', sessionCount: 0 },
      { errorCodes: [], sessionCount: 0 },
    ]);
    expect(rig.endpoint!.ctx('CP1.1').reasonCounts()).toEqual({ unknown_unit: 1 });
  });

  it('answers NotImplemented for what it cannot honour and a 1.6 action on a 2.0.1 connection', async () => {
    const cs = await setUp();
    expect((await cs.sendText(JSON.stringify([2, 'n-1', 'SecurityEventNotification', { type: 'TamperDetectionActivated', timestamp: t(0) }])))?.slice(0, 3)).toEqual([4, 'n-1', 'NotImplemented']);
    expect((await cs.sendText(JSON.stringify([2, 'n-2', 'StartTransaction', { connectorId: 1, idTag: 'CARD-1', meterStart: 0, timestamp: t(0) }])))?.slice(0, 3)).toEqual([4, 'n-2', 'NotImplemented']);
    expect(rig.endpoint!.ctx('CP1.1').reasonCounts()).toEqual({ not_implemented: 2 });
  });
});
