/**
 * Proxy mode with OCPP 2.0.1 between the hand-written station and CSMS (testdata/peer.ts): frames
 * unchanged, a transaction (TransactionEvent) across a CSMS outage without loss or reordering,
 * records per EVSE, and 2.0.1 schema violations answered by the gateway.
 */
import { describe, expect, it } from 'vitest';
import { chargerOf, CSMS_PASSWORD, ocppConfig, PASSWORD, startConnectors, testRig } from './testdata/harness.js';
import { RawChargePoint, RawCsms, waitFor } from './testdata/peer.js';

const rig = testRig();
const t = (minute: number) => new Date(Date.UTC(2026, 5, 1, 12, minute)).toISOString();
const meter = (minute: number, wh: number, kw: number) => [{
  timestamp: t(minute),
  sampledValue: [
    { value: wh / 1000, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'kWh' } },
    { value: kw, measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'W', multiplier: 3 } },
  ],
}];
const event = (eventType: string, seqNo: number, minute: number, extra: Record<string, unknown>) => ({
  eventType, timestamp: t(minute), triggerReason: eventType === 'Started' ? 'CablePluggedIn' : eventType === 'Ended' ? 'EVCommunicationLost' : 'MeterValuePeriodic', seqNo,
  ...extra,
});

async function setUp(): Promise<{ csms: RawCsms; csmsPort: number; cs: RawChargePoint }> {
  const csms = new RawCsms({ CP1: CSMS_PASSWORD });
  const csmsPort = await csms.start();
  rig.peers.push(csms);
  rig.endpoint = await startConnectors(ocppConfig({ mode: 'proxy', protocols: ['ocpp1.6', 'ocpp2.0.1'], csms: { url: `ws://127.0.0.1:${csmsPort}/ocpp` } }));
  const cs = new RawChargePoint(rig.endpoint.url, 'CP1', { password: PASSWORD, reconnectMs: 50, protocol: 'ocpp2.0.1' });
  rig.peers.push(cs);
  await cs.connect();
  return { csms, csmsPort, cs };
}

describe('OCPP proxy (2.0.1) between independent peers', () => {
  it('keeps every TransactionEvent, in order, across a CSMS outage, and records per EVSE', async () => {
    const { csms, csmsPort, cs } = await setUp();
    expect((await cs.call('BootNotification', { reason: 'PowerUp', chargingStation: { model: 'Wall-22', vendorName: 'Acme' } }))![0]).toBe(3);
    await cs.call('StatusNotification', { timestamp: t(0), connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
    await cs.call('TransactionEvent', event('Started', 0, 0, { transactionInfo: { transactionId: 'tx-a', chargingState: 'Charging' }, evse: { id: 1, connectorId: 1 }, meterValue: meter(0, 40_000, 11) }));
    await cs.call('TransactionEvent', event('Updated', 1, 1, { transactionInfo: { transactionId: 'tx-a' }, meterValue: meter(1, 40_180, 11) }));

    csms.dieOn = (action) => action === 'TransactionEvent';
    const inFlight = cs.call('TransactionEvent', event('Updated', 2, 2, { transactionInfo: { transactionId: 'tx-a', chargingState: 'SuspendedEV' }, meterValue: meter(2, 40_360, 0) }));
    await waitFor(() => !cs.online, 3000, 'the proxy to drop the station');
    const queued = cs.call('TransactionEvent', event('Ended', 3, 5, { transactionInfo: { transactionId: 'tx-a', chargingState: 'EVConnected', stoppedReason: 'EVDisconnected' }, meterValue: meter(5, 40_400, 0) }));
    await waitFor(() => rig.endpoint!.ctx('CP1.1').state === 'stale', 3000, 'EVSE stale');
    await csms.start(csmsPort);
    await Promise.all([inFlight, queued]);

    const atCsms = csms.calls('CP1');
    const firstSeen = atCsms.filter((c, i) => atCsms.findIndex((d) => d.id === c.id) === i);
    expect(firstSeen).toEqual(cs.sent.filter((c, i) => cs.sent.findIndex((d) => d.id === c.id) === i));
    expect(atCsms.map((c) => (c.payload as { seqNo?: number }).seqNo).filter((n) => n !== undefined)).toEqual([0, 1, 2, 2, 3]);
    expect(csms.log.filter((e) => e.frame[0] === 2).map((e) => e.text)).toEqual(cs.sent.map((s) => JSON.stringify([2, s.id, s.action, s.payload])));

    const readings = chargerOf(rig.endpoint!.ctx('CP1.1'));
    // Occupied + Charging -> Charging; SuspendedEV as such; EVConnected after the end -> no status claimed.
    expect(readings.map((r) => r.connectorStatus)).toEqual([undefined, undefined, 'Charging', 'Charging', 'SuspendedEV', undefined]);
    expect(readings.at(-1)).toEqual({ energyDeliveredWh: 40_400, powerW: 0, sessionEnergyWh: 400, sessionCount: 1 });
    expect(readings[3]).toMatchObject({ powerW: 11_000, energyDeliveredWh: 40_180, sessionEnergyWh: 180 });
    expect(readings.every((r) => r.errorCodes === undefined)).toBe(true);
  });

  it('taps NotifyEvent the CSMS confirmed: station-wide problems, a too-cold alert, a Fahrenheit sensor refused', async () => {
    const { csms, cs } = await setUp();
    const item = (eventId: number, minute: number, component: Record<string, unknown>, variable: string, actualValue: string, extra: Record<string, unknown> = {}) => ({
      eventId, timestamp: t(minute), trigger: 'Alerting', actualValue, eventNotificationType: 'CustomMonitor', component, variable: { name: variable }, ...extra,
    });
    await cs.call('NotifyReport', { requestId: 3, generatedAt: t(0), seqNo: 0, reportData: [
      { component: { name: 'TemperatureSensor', evse: { id: 1 } }, variable: { name: 'Temperature' }, variableAttribute: [{ value: '70' }], variableCharacteristics: { unit: 'Fahrenheit', dataType: 'decimal', supportsMonitoring: true } },
    ] });
    await cs.call('NotifyMonitoringReport', { requestId: 4, generatedAt: t(0), seqNo: 0, monitor: [
      { component: { name: 'ChargingStation' }, variable: { name: 'Temperature' }, variableMonitoring: [{ id: 9, transaction: false, value: -20, type: 'LowerThreshold', severity: 4 }] },
    ] });
    await cs.call('NotifyEvent', { generatedAt: t(1), seqNo: 0, eventData: [
      item(1, 1, { name: 'ChargingStation' }, 'Temperature', '-23.5', { variableMonitoringId: 9 }),
      item(2, 1, { name: 'TemperatureSensor', evse: { id: 1 } }, 'Temperature', '21', { trigger: 'Periodic' }),
      item(3, 1, { name: 'PowerContactor', evse: { id: 7 } }, 'Problem', 'true', { techCode: 'PC-3' }),
    ] });
    await cs.call('NotifyEvent', { generatedAt: t(2), seqNo: 1, eventData: [item(4, 2, { name: 'ChargingStation' }, 'Temperature', '-5', { variableMonitoringId: 9, cleared: true })] });

    // Frames reach the CSMS unchanged; the records follow its (empty) confirmations.
    expect(csms.log.filter((e) => e.frame[0] === 2).map((e) => e.text)).toEqual(cs.sent.map((s) => JSON.stringify([2, s.id, s.action, s.payload])));
    const station = { errorCodes: ['OtherError'], vendorErrorCode: 'ChargingStation.Temperature', sessionCount: 0 };
    // Too cold is not 1.6's HighTemperature. The station's temperature applies to every EVSE; EVSE 1's
    // own sensor (21, in Fahrenheit) is refused, not converted, so -23.5 stands for both.
    const records = [{ temperatureC: -23.5, ...station }, { temperatureC: -5, errorCodes: [], sessionCount: 0 }];
    expect(chargerOf(rig.endpoint!.ctx('CP1.1'))).toEqual(records);
    expect(chargerOf(rig.endpoint!.ctx('CP1.2'))).toEqual(records);
    expect(rig.endpoint!.ctx('CP1.1').reasonCounts()).toEqual({ unknown_unit: 1, unknown_connector: 1 });
  });

  it('answers 2.0.1 schema violations itself and forwards none of them', async () => {
    const { csms, cs } = await setUp();
    const before = csms.log.length;
    // 'Charging' is a 1.6 status, not a 2.0.1 connectorStatus.
    expect((await cs.sendText(JSON.stringify([2, 'b-1', 'StatusNotification', { timestamp: t(0), connectorStatus: 'Charging', evseId: 1, connectorId: 1 }])))?.slice(0, 3)).toEqual([4, 'b-1', 'FormatViolation']);
    expect((await cs.sendText(JSON.stringify([2, 'b-2', 'StartTransaction', { connectorId: 1 }])))?.slice(0, 3)).toEqual([4, 'b-2', 'NotImplemented']);
    expect(csms.log.length).toBe(before);
    expect(rig.endpoint!.ctx('CP1.1').reasonCounts()).toEqual({ format_violation: 1, not_implemented: 1 });
  });
});
