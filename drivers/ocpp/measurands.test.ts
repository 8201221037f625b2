/** MeterValues sampled values -> signals: units, phases, locations, defaults, and refusals. */
import { describe, expect, it } from 'vitest';
import { meterSignals, MeterValueError, type SampledValue } from './measurands.js';

const mv = (...sampledValue: SampledValue[]) => ({ timestamp: '2026-06-01T12:00:00Z', sampledValue });

describe('OCPP 1.6 measurands', () => {
  it('defaults the measurand to the energy register in Wh (OCPP 1.6 §7.45)', () => {
    expect(meterSignals(mv({ value: '1234.5' }))).toEqual({ energyDeliveredWh: 1234.5 });
  });

  it('converts kWh, kW, Fahrenheit and Kelvin', () => {
    expect(meterSignals(mv({ value: '12.5', unit: 'kWh' }, { value: '7.2', measurand: 'Power.Active.Import', unit: 'kW' }, { value: '104', measurand: 'Temperature', unit: 'Fahrenheit' }))).toEqual({ energyDeliveredWh: 12_500, powerW: 7_200, temperatureC: 40 });
    expect(meterSignals(mv({ value: '313.15', measurand: 'Temperature', unit: 'K' })).temperatureC).toBeCloseTo(40, 9);
  });

  it('takes the phase-less value, else sums power and takes the largest phase current and voltage (L1-L3 to neutral only)', () => {
    const phases = mv(
      { value: '3600', measurand: 'Power.Active.Import', phase: 'L1' }, { value: '3500', measurand: 'Power.Active.Import', phase: 'L2' },
      { value: '15.6', measurand: 'Current.Import', phase: 'L1' }, { value: '15.2', measurand: 'Current.Import', phase: 'L2' }, { value: '0.1', measurand: 'Current.Import', phase: 'N' },
      { value: '230.5', measurand: 'Voltage', phase: 'L1-N' }, { value: '229.0', measurand: 'Voltage', phase: 'L2-N' }, { value: '399.0', measurand: 'Voltage', phase: 'L1-L2' },
      { value: '500', phase: 'L1' },
    );
    expect(meterSignals(phases)).toEqual({ powerW: 7_100, currentA: 15.6, voltageV: 230.5 });
    expect(meterSignals(mv({ value: '16', measurand: 'Current.Import' }, { value: '40', measurand: 'Current.Import', phase: 'L1' })).currentA).toBe(16);
  });

  it('takes the hottest charger location, never the EV, and the EV SoC', () => {
    expect(meterSignals(mv({ value: '35', measurand: 'Temperature', location: 'Body' }, { value: '48', measurand: 'Temperature', location: 'Outlet' }, { value: '60', measurand: 'Temperature', location: 'EV' }, { value: '81', measurand: 'SoC', location: 'EV', unit: 'Percent' }))).toEqual({ temperatureC: 48, evSocPct: 81 });
  });

  it('reports nothing it was not sent: no power from current x voltage', () => {
    expect(meterSignals(mv({ value: '16', measurand: 'Current.Import' }, { value: '230', measurand: 'Voltage' }))).toEqual({ currentA: 16, voltageV: 230 });
    expect(meterSignals(mv({ value: '3', measurand: 'Frequency' }))).toEqual({});
  });

  it('refuses a value that is not a number, signed data and an unexpected unit, by reason', () => {
    const reason = (sv: SampledValue) => {
      try {
        meterSignals(mv(sv));
        return 'accepted';
      } catch (err) {
        return (err as MeterValueError).reason;
      }
    };
    expect(reason({ value: 'n/a' })).toBe('unparsable_value');
    expect(reason({ value: '' })).toBe('unparsable_value');
    expect(reason({ value: 'AQID', format: 'SignedData' })).toBe('signed_value');
    expect(reason({ value: '5', unit: 'varh' })).toBe('unknown_unit');
  });
});
