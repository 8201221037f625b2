/**
 * failure_charger's inputs come from OCPP-fed records: every feature in its card is present after
 * a realistic exchange sequence, and error onsets are counted once per onset (the record carries
 * the standing error codes on every reading, as the feature map expects).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PendingRecord } from '../../core/record.js';
import { featureRow, featureValues, updateState, type DeviceState } from '../../models/scoring/features.js';
import type { ChargerTap } from './tap-base.js';
import { ChargePointTap } from './tap16.js';
import { ChargingStationTap201 } from './tap201.js';
import { at, meterValues } from './testdata/harness.js';

const card = JSON.parse(readFileSync(new URL('../../models/failure_charger.card.json', import.meta.url), 'utf8')) as { inputs: Array<{ name: string }> };
const inputs = card.inputs.map((i) => i.name);

function feed(tap: ChargerTap, states: Map<string, DeviceState>, action: string, request: unknown, response: unknown = {}): void {
  for (const { connector, reading } of tap.exchange(action, request, response)) {
    const record = { gatewayId: 'g', deviceId: `CP1.${connector}`, deviceKind: 'charger', source: reading.source, ts: reading.ts!, clockTrusted: true, ...reading.body } as PendingRecord;
    updateState(states, record);
  }
}

describe('OCPP records feed failure_charger', () => {
  it('supplies every input of the card, with onsets counted once', () => {
    const maintained = Date.parse('2026-05-01T00:00:00Z');
    // The gateway's clock runs with the charger's (a boot is dated by the gateway, the rest by the charger).
    let now = Date.parse(at(0)) - 1000;
    const tap = new ChargePointTap(1, () => now, () => (now - maintained) / 1000);
    const states = new Map<string, DeviceState>();
    feed(tap, states, 'BootNotification', { chargePointVendor: 'A', chargePointModel: 'B' });
    feed(tap, states, 'StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'HighTemperature', timestamp: at(0) });
    feed(tap, states, 'StartTransaction', { connectorId: 1, idTag: 'T', meterStart: 1000, timestamp: at(1) }, { transactionId: 5, idTagInfo: { status: 'Accepted' } });
    for (let m = 2; m < 6; m++) feed(tap, states, 'MeterValues', meterValues(1, 5, m, 1 + m, 7000));
    // The charger repeats the standing error (e.g. after a reconnect): not a new onset.
    feed(tap, states, 'StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'HighTemperature', timestamp: at(6) });
    now = Date.parse(at(7));
    feed(tap, states, 'StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure', timestamp: at(7) });
    const values = featureValues(states.get('CP1.1')!);
    const row = featureRow(values, inputs);
    expect(row).toHaveProperty('row', expect.any(Array));
    expect(values).toMatchObject({ faulted: 1, days_since_maintenance: (now - maintained) / 8.64e7, temperature_max_24h: 41.5 });
    // HighTemperature stood through the meter readings and its repeat, and counts once; GroundFailure then starts (one more onset).
    expect(values.high_temp_errors_7d).toBeCloseTo(1, 2);
    expect(values.ground_errors_7d).toBeCloseTo(1, 2);
    expect(values.errors_7d).toBeCloseTo(2, 2);
  });

  it('supplies every input from a 2.0.1 station: NotifyEvent temperatures and problems, onsets counted once', () => {
    const maintained = Date.parse('2026-05-01T00:00:00Z');
    let now = Date.parse(at(0)) - 1000;
    const tap = new ChargingStationTap201(1, () => now, () => (now - maintained) / 1000);
    const states = new Map<string, DeviceState>();
    let eventId = 0;
    const notify = (minute: number, variable: string, actualValue: string, extra: Record<string, unknown> = {}) =>
      feed(tap, states, 'NotifyEvent', { generatedAt: at(minute), seqNo: eventId, eventData: [
        { eventId: ++eventId, timestamp: at(minute), trigger: 'Alerting', actualValue, eventNotificationType: 'HardWiredMonitor', component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: variable }, ...extra },
      ] });
    feed(tap, states, 'BootNotification', { reason: 'PowerUp', chargingStation: { model: 'M', vendorName: 'V' } });
    notify(0, 'Temperature', '41.5', { techCode: 'OT' });
    feed(tap, states, 'StatusNotification', { timestamp: at(0), connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
    feed(tap, states, 'TransactionEvent', { eventType: 'Started', timestamp: at(1), triggerReason: 'Authorized', seqNo: 0, transactionInfo: { transactionId: 'T', chargingState: 'Charging' }, evse: { id: 1, connectorId: 1 } });
    notify(2, 'Temperature', '40', { trigger: 'Periodic' }); // still standing: the alert was not cleared
    feed(tap, states, 'TransactionEvent', { eventType: 'Ended', timestamp: at(3), triggerReason: 'EVDeparted', seqNo: 1, transactionInfo: { transactionId: 'T', chargingState: 'Idle' } });
    now = Date.parse(at(8));
    notify(7, 'AvailabilityState', 'Faulted', { trigger: 'Delta' });
    notify(8, 'Problem', 'true');
    const values = featureValues(states.get('CP1.1')!);
    expect(featureRow(values, inputs)).toHaveProperty('row', expect.any(Array));
    expect(values).toMatchObject({ faulted: 1, days_since_maintenance: (now - maintained) / 8.64e7 });
    // The 41.5 degC alert eight minutes ago, decayed a little (the later reading was 40).
    expect(values.temperature_max_24h).toBeCloseTo(41.5, 0);
    expect(values.high_temp_errors_7d).toBeCloseTo(1, 2);
    expect(values.errors_7d).toBeCloseTo(2, 2);
  });

  it('lacks only days_since_maintenance when the operator gave no maintenance date (never invented)', () => {
    const tap = new ChargePointTap(1, () => Date.parse(at(30)));
    const states = new Map<string, DeviceState>();
    feed(tap, states, 'StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: at(0) });
    feed(tap, states, 'MeterValues', meterValues(1, undefined, 1, 1, 0));
    expect(featureRow(featureValues(states.get('CP1.1')!), inputs)).toEqual({ missing: ['days_since_maintenance'] });
  });
});
