/**
 * A realistic little fleet for the dashboard SQL tests, as EdgeRecords written through the real
 * TimescaleSink: two gateways over the last three hours, one with hardware packs and a charger,
 * one lab gateway with a simulated pack and charger and a replayed pack (its clock untrusted at first),
 * model predictions with the shipped model names and outputs, and alarms from the default rules.
 */
import type { ChargerErrorCode, ConnectorStatus, DeviceKind, EdgeRecord, PendingRecord, RecordBody, RecordSource } from '../../core/record.js';
import { sequenced } from '../../core/record.js';

export const STEP_MS = 5 * 60_000;
export const STEPS = 36;

interface Device { gateway: string; id: string; kind: DeviceKind; source: RecordSource }
export const DEVICES: readonly Device[] = [
  { gateway: 'gw-depot-01', id: 'pack-01', kind: 'battery', source: 'hardware' },
  { gateway: 'gw-depot-01', id: 'pack-02', kind: 'battery', source: 'hardware' },
  { gateway: 'gw-depot-01', id: 'charger-01', kind: 'charger', source: 'hardware' },
  { gateway: 'gw-lab-02', id: 'pack-sim', kind: 'battery', source: 'simulator' },
  { gateway: 'gw-lab-02', id: 'pack-replay', kind: 'battery', source: 'replay' },
  { gateway: 'gw-lab-02', id: 'charger-sim', kind: 'charger', source: 'simulator' },
];

/** Charger cycle of 12 steps: idle, plug-in, six charging steps, finishing, idle. */
export function connectorAt(i: number): ConnectorStatus {
  if (i === 20) return 'Faulted';
  const k = i % 12;
  if (k < 2 || k > 9) return 'Available';
  if (k === 2) return 'Preparing';
  if (k === 9) return 'Finishing';
  return 'Charging';
}
export const WH_PER_CHARGING_STEP = 1500;

export function fleetRecords(now: number): EdgeRecord[] {
  const out: EdgeRecord[] = [];
  const seq = new Map<string, number>();
  const push = (d: Device, ts: number, body: RecordBody, clockTrusted = true) => {
    const n = (seq.get(d.id) ?? 0) + 1;
    seq.set(d.id, n);
    const pending = { gatewayId: d.gateway, deviceId: d.id, deviceKind: d.kind, source: d.source, ts, clockTrusted, ...body } as PendingRecord;
    out.push(sequenced(pending, n));
  };
  const start = now - STEPS * STEP_MS;
  DEVICES.forEach((d, di) => {
    let meter = 120_000 + di * 10_000;
    let session = 0;
    for (let i = 0; i < STEPS; i++) {
      const ts = start + i * STEP_MS + di * 7_000;
      const trusted = !(d.gateway === 'gw-lab-02' && i < 6);
      if (d.kind === 'battery') {
        const current = i % 6 < 3 ? -42.5 : 18;
        const tempMax = d.id === 'pack-02' && i > 30 ? 52 : 31 + (i % 5);
        push(d, ts, {
          type: 'battery',
          battery: {
            packVoltageV: 352 - i * 0.4, packCurrentA: current, powerW: (352 - i * 0.4) * current, socPct: 90 - i, sohPct: 96.5 - di * 2,
            tempMinC: 24 + (i % 3), tempMaxC: tempMax, tempMeanC: 27 + (i % 4), cellVoltageMinV: 3.62 - i * 0.004, cellVoltageMaxV: 3.68 - i * 0.004,
            cycleCount: 412 + di, remainingCapacityAh: 54 - i * 0.6, fullCapacityAh: 57.9, chargingState: current > 0 ? 'charging' : 'discharging', alarmFlags: [],
          },
        }, trusted);
      } else {
        const status = connectorAt(i);
        if (status === 'Charging') { meter += WH_PER_CHARGING_STEP; session += WH_PER_CHARGING_STEP; }
        if (status === 'Preparing') session = 0;
        const errorCodes: ChargerErrorCode[] = status === 'Faulted' ? ['HighTemperature'] : [];
        push(d, ts, {
          type: 'charger',
          charger: {
            connectorStatus: status, powerW: status === 'Charging' ? 11_000 : 0, energyDeliveredWh: meter, sessionEnergyWh: session,
            temperatureC: status === 'Faulted' ? 83 : 38 + (i % 6), errorCodes, uptimeS: 86_400 + i * 300, sessionCount: 40 + Math.floor(i / 12),
          },
        }, trusted);
      }
      if (i % 6 === 5) {
        const version = d.source === 'replay' ? '0.9.0' : '1.0.0';
        const predict = (model: string, outputs: Record<string, number>) =>
          push(d, ts + 500, { type: 'prediction', prediction: { model, modelVersion: version, outputs, inputsTs: ts } }, trusted);
        if (d.kind === 'battery') {
          predict('rul_capacity', { remaining_cycles: 900 - di * 150 - i });
          predict('failure_pack', { failure_probability: d.id === 'pack-02' ? 0.2 + i * 0.015 : 0.03 });
          predict('cycle_life', { cycle_life: 2400 - di * 100 });
          predict('anomaly_pack', { z_temp_rise: 0.4, z_temp_spread: d.id === 'pack-sim' && i > 20 ? 7.2 : 1.1, z_cell_spread: -0.3, anomaly_score: d.id === 'pack-sim' && i > 20 ? 7.2 : 1.1, anomaly_type: 1 });
        } else {
          predict('failure_charger', { failure_probability: 0.05 });
        }
        predict('maintenance', { recommendation: d.id === 'pack-02' ? 2 : 0 });
      }
    }
  });
  const alarm = (id: string, i: number, rule: string, severity: 'critical' | 'warning' | 'info', value: number, threshold: number, signal: string) => {
    const d = DEVICES.find((x) => x.id === id)!;
    push(d, start + i * STEP_MS + 1000, { type: 'alarm', alarm: { rule, severity, message: `${signal} ${value} ${threshold > value ? '<' : '>'} ${threshold}`, value, threshold } });
  };
  alarm('pack-02', 31, 'pack_temp_high', 'warning', 52, 50, 'tempMaxC');
  alarm('charger-01', 20, 'charger_overtemp', 'critical', 83, 80, 'temperatureC');
  alarm('charger-sim', 20, 'charger_overtemp', 'critical', 83, 80, 'temperatureC');
  alarm('pack-sim', 23, 'pack_anomaly', 'warning', 7.2, 6, 'anomaly_pack.anomaly_score');
  return out;
}
