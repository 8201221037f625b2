import { Gauge } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EdgeRecord, PendingRecord } from '../core/record.js';
import { batteryRecord, chargerRecord } from '../sync/buffer/test-support.js';
import { AgentMetrics } from './metrics.js';

const committed = (r: PendingRecord, seq = 1): EdgeRecord => ({ ...r, seq, key: `${r.deviceId}:${seq}` }) as EdgeRecord;

/** `name{labels} value` lines of one scrape, for the metrics named. */
async function scrape(metrics: AgentMetrics, prefix: string): Promise<string[]> {
  return (await metrics.registry.metrics()).split('\n').filter((l) => l.startsWith(prefix));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('per-record metrics, exported when scraped', () => {
  it('count every record once, however many scrapes come between', async () => {
    const metrics = new AgentMetrics();
    for (let i = 0; i < 3; i++) metrics.ingested.add('pack-1', 'battery');
    metrics.buffered.add('pack-1', 'battery', 2);
    expect(await scrape(metrics, 'evedge_records_')).toEqual([
      'evedge_records_ingested_total{device="pack-1",type="battery"} 3',
      'evedge_records_buffered_total{device="pack-1",type="battery"} 2',
    ]);
    expect(await scrape(metrics, 'evedge_records_ingested')).toEqual(['evedge_records_ingested_total{device="pack-1",type="battery"} 3']);
    metrics.ingested.add('pack-1', 'battery');
    metrics.ingested.add('cp-1', 'charger');
    expect(await scrape(metrics, 'evedge_records_ingested')).toEqual([
      'evedge_records_ingested_total{device="pack-1",type="battery"} 4',
      'evedge_records_ingested_total{device="cp-1",type="charger"} 1',
    ]);
  });

  it('show the latest reported value of each field; a field a later record leaves out keeps its value', async () => {
    const metrics = new AgentMetrics();
    const first = batteryRecord('pack-1', 1_000_000, 0);
    metrics.observe(committed(first));
    const second = batteryRecord('pack-1', 1_001_000, 5);
    if (second.type !== 'battery') throw new Error('fixture');
    delete second.battery.tempMeanC;
    second.battery.packVoltageV = 51.25;
    second.battery.socPct = Number.NaN; // not a reading: never exported
    metrics.observe(committed(second, 2));
    const lines = await scrape(metrics, 'evedge_');
    expect(lines).toContain('evedge_battery_voltage_volts{device="pack-1"} 51.25');
    expect(lines).toContain(`evedge_battery_state_of_charge_ratio{device="pack-1"} ${first.type === 'battery' ? first.battery.socPct! * 0.01 : 0}`);
    expect(lines).toContain('evedge_battery_temperature_celsius{device="pack-1",stat="mean"} 25.6');
    expect(lines).toContain('evedge_device_last_record_timestamp_seconds{device="pack-1"} 1001');
    expect(lines).toContain(`evedge_battery_cell_voltage_volts{device="pack-1",stat="min"} ${second.battery.cellVoltageMinV}`);

    metrics.observe(committed(chargerRecord('cp-1', 1_002_000), 1));
    const charger = await scrape(metrics, 'evedge_charger_');
    expect(charger).toContain('evedge_charger_energy_delivered_joules{device="cp-1"} 444441600');
    expect(charger).toContain('evedge_charger_connector_status{device="cp-1",status="Charging"} 1');
    expect(charger).toContain('evedge_charger_connector_status{device="cp-1",status="Faulted"} 0');
    expect(charger).toContain('evedge_charger_active_errors{device="cp-1"} 0');
    // Scraping again without new records changes nothing.
    expect(await scrape(metrics, 'evedge_charger_')).toEqual(charger);
  });

  it('leave prom-client alone until a scrape: a record costs no label hashing', async () => {
    const metrics = new AgentMetrics();
    const set = vi.spyOn(Gauge.prototype, 'set');
    for (let i = 0; i < 100; i++) {
      metrics.ingested.add('pack-1', 'battery');
      metrics.observe(committed(batteryRecord('pack-1', 1_000_000 + i * 1000, i), i + 1));
    }
    const ofDevice = () => set.mock.calls.filter(([labels]) => (labels as unknown as Record<string, string>).device === 'pack-1').length;
    expect(ofDevice()).toBe(0);
    await scrape(metrics, 'evedge_');
    // One set per exported field of the device (12 for a battery record), not per record.
    expect(ofDevice()).toBe(12);
  });
});
