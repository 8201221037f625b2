/** The 1.6 tap's invariants (module header of tap16.ts), one by one. */
import { describe, expect, it } from 'vitest';
import type { ChargerSignals } from '../../core/record.js';
import { ChargePointTap } from './tap16.js';
import { at, meterValues } from './testdata/harness.js';

const NOW = Date.parse(at(59));
const signals = (tap: ChargePointTap, action: string, req: unknown, res: unknown = {}) =>
  tap.exchange(action, req, res).map((t) => ({ connector: t.connector, ts: t.reading.ts, ...(t.reading.body as { charger: ChargerSignals }).charger }));

describe('OCPP 1.6 tap', () => {
  it("adds connector 0's error code (the whole charger) to every connector, but not its status", () => {
    const tap = new ChargePointTap(2, () => NOW);
    signals(tap, 'StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: at(0) });
    const out = signals(tap, 'StatusNotification', { connectorId: 0, status: 'Faulted', errorCode: 'GroundFailure', vendorErrorCode: 'RCD', timestamp: at(1) });
    expect(out).toEqual([
      { connector: 1, ts: Date.parse(at(1)), connectorStatus: 'Charging', errorCodes: ['GroundFailure'], vendorErrorCode: 'RCD', sessionCount: 0 },
      { connector: 2, ts: Date.parse(at(1)), errorCodes: ['GroundFailure'], vendorErrorCode: 'RCD', sessionCount: 0 },
    ]);
    // Cleared on connector 0: gone from every connector.
    expect(signals(tap, 'StatusNotification', { connectorId: 0, status: 'Available', errorCode: 'NoError' }).map((r) => r.errorCodes)).toEqual([[], []]);
  });

  it('counts a StartTransaction the charger re-sends after an outage once, and not one the CSMS refused', () => {
    const tap = new ChargePointTap(1, () => NOW);
    const start = { connectorId: 1, idTag: 'T', meterStart: 500, timestamp: at(0) };
    expect(tap.exchange('StartTransaction', start, undefined)).toEqual([]);
    signals(tap, 'StartTransaction', start, { transactionId: 7, idTagInfo: { status: 'Accepted' } });
    const again = signals(tap, 'StartTransaction', start, { transactionId: 7, idTagInfo: { status: 'Accepted' } });
    expect(again[0]!.sessionCount).toBe(1);
    const next = signals(tap, 'StartTransaction', { ...start, timestamp: at(30), meterStart: 900 }, { transactionId: 8, idTagInfo: { status: 'Accepted' } });
    expect(next[0]).toMatchObject({ sessionCount: 2, energyDeliveredWh: 900, sessionEnergyWh: 0, ts: Date.parse(at(30)) });
  });

  it('refuses what it cannot place, by reason: unknown transaction, unknown connector, a non-numeric value', () => {
    const tap = new ChargePointTap(1, () => NOW);
    expect(tap.exchange('StopTransaction', { transactionId: 99, meterStop: 1, timestamp: at(0) }, {})).toEqual([]);
    expect(tap.exchange('StatusNotification', { connectorId: 3, status: 'Available', errorCode: 'NoError' }, {})).toEqual([]);
    const mv = meterValues(1, undefined, 1, 1, 0);
    (mv.meterValue as Array<{ sampledValue: Array<{ value: string }> }>)[0]!.sampledValue[0]!.value = 'NaN';
    expect(tap.exchange('MeterValues', mv, {})).toEqual([]);
    expect(tap.takeProblems().map((p) => p.reason)).toEqual(['unknown_transaction', 'unknown_connector', 'unparsable_value']);
    expect(tap.takeProblems()).toEqual([]);
  });

  it("dates readings by the charger's timestamps, else by the gateway clock", () => {
    const tap = new ChargePointTap(1, () => NOW);
    expect(signals(tap, 'MeterValues', meterValues(1, undefined, 3, 1, 0))[0]!.ts).toBe(Date.parse(at(3)));
    expect(signals(tap, 'Heartbeat', {}, { currentTime: at(4) })[0]!.ts).toBe(NOW);
  });
});
