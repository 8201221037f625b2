/**
 * Per-record metrics without a prom-client call per record (issue 15).
 *
 * prom-client hashes the label set on every `inc()` and `set()` (it sorts the label names and
 * builds a string key): with two counters and a dozen latest-value gauges that was about fourteen
 * hashes, their garbage and a sort per record, for values nobody reads until `/metrics` is
 * scraped. Here a record costs a few Map lookups and typed-array writes; the counters and gauges
 * are brought up to date by prom-client's `collect` hook, which runs at the start of every scrape
 * (and every `get()`), before the values are read.
 *
 * Invariants:
 * - A scrape sees exactly what per-record updates would have shown: every record counted before
 *   the scrape is in the counters (each count is added once, by the first collect after it), and
 *   each gauge holds the value of the latest record that reported that field (a field a later
 *   record leaves out keeps its earlier value, as before).
 * - Memory is bounded by devices x record types x fields, all fixed by the configuration.
 */
import type { Counter, Gauge } from 'prom-client';
import { OCPP_CONNECTOR_STATUSES, type BatterySignals, type ChargerSignals, type EdgeRecord } from '../core/record.js';

type Field<T> = (body: T) => number | undefined;
/** One latest-value gauge fed from one field of a record body, with its extra labels. */
export interface GaugeField<T> {
  gauge: Gauge<string>;
  labels?: Record<string, string>;
  read: Field<T>;
}

/** Counts per (device, type), added to a prom-client counter when it is collected. */
export class DeferredRecordCounter {
  private readonly byDevice = new Map<string, Map<string, { labels: { device: string; type: string }; n: number }>>();

  constructor(private readonly counter: Counter<'device' | 'type'>) {}

  add(deviceId: string, type: string, n = 1): void {
    let types = this.byDevice.get(deviceId);
    if (!types) this.byDevice.set(deviceId, (types = new Map()));
    let entry = types.get(type);
    if (!entry) types.set(type, (entry = { labels: { device: deviceId, type }, n: 0 }));
    entry.n += n;
  }

  /** The counter's collect hook. */
  collect(): void {
    for (const types of this.byDevice.values()) {
      for (const entry of types.values()) {
        if (entry.n === 0) continue;
        this.counter.inc(entry.labels, entry.n);
        entry.n = 0;
      }
    }
  }
}

interface DeviceValues {
  /** Latest value per field since the last collect; NaN = no record reported it since. */
  battery: Float64Array;
  charger: Float64Array;
  batteryLabels: Array<Record<string, string>>;
  chargerLabels: Array<Record<string, string>>;
  lastTsS: number;
  connector: string | undefined;
}

/** Latest-value gauges per device, set from the pending values when any of them is collected. */
export class DeferredDeviceGauges {
  private readonly devices = new Map<string, DeviceValues>();
  private dirty = false;

  constructor(
    private readonly battery: ReadonlyArray<GaugeField<BatterySignals>>,
    private readonly charger: ReadonlyArray<GaugeField<ChargerSignals>>,
    private readonly lastRecord: Gauge<'device'>,
    private readonly connectorStatus: Gauge<'device' | 'status'>,
  ) {}

  observe(record: EdgeRecord): void {
    const d = this.device(record.deviceId);
    d.lastTsS = record.ts / 1000;
    this.dirty = true;
    if (record.type === 'battery') {
      for (let i = 0; i < this.battery.length; i++) {
        const v = (this.battery[i] as GaugeField<BatterySignals>).read(record.battery);
        if (v !== undefined && Number.isFinite(v)) d.battery[i] = v;
      }
    } else if (record.type === 'charger') {
      for (let i = 0; i < this.charger.length; i++) {
        const v = (this.charger[i] as GaugeField<ChargerSignals>).read(record.charger);
        if (v !== undefined && Number.isFinite(v)) d.charger[i] = v;
      }
      if (record.charger.connectorStatus) d.connector = record.charger.connectorStatus;
    }
  }

  /** Collect hook of every gauge here: the first one collected in a scrape sets them all. */
  collect(): void {
    if (!this.dirty) return;
    this.dirty = false;
    for (const [device, d] of this.devices) {
      if (!Number.isNaN(d.lastTsS)) this.lastRecord.set({ device }, d.lastTsS);
      d.lastTsS = Number.NaN;
      apply(this.battery, d.battery, d.batteryLabels);
      apply(this.charger, d.charger, d.chargerLabels);
      if (d.connector !== undefined) {
        for (const s of OCPP_CONNECTOR_STATUSES) this.connectorStatus.set({ device, status: s }, s === d.connector ? 1 : 0);
        d.connector = undefined;
      }
    }
  }

  private device(deviceId: string): DeviceValues {
    let d = this.devices.get(deviceId);
    if (!d) {
      const labels = (fields: ReadonlyArray<GaugeField<never>>) => fields.map((f) => ({ device: deviceId, ...f.labels }));
      d = {
        battery: new Float64Array(this.battery.length).fill(Number.NaN),
        charger: new Float64Array(this.charger.length).fill(Number.NaN),
        batteryLabels: labels(this.battery as ReadonlyArray<GaugeField<never>>),
        chargerLabels: labels(this.charger as ReadonlyArray<GaugeField<never>>),
        lastTsS: Number.NaN,
        connector: undefined,
      };
      this.devices.set(deviceId, d);
    }
    return d;
  }
}

function apply<T>(fields: ReadonlyArray<GaugeField<T>>, values: Float64Array, labels: Array<Record<string, string>>): void {
  for (let i = 0; i < fields.length; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) continue;
    (fields[i] as GaugeField<T>).gauge.set(labels[i] as Record<string, string>, v);
    values[i] = Number.NaN;
  }
}
