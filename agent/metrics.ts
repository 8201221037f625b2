/**
 * The agent's own Prometheus metrics (prom-client). Per-device labels are bounded by the
 * configured device list; reasons are short fixed strings chosen by the code, never free text.
 * Units follow Prometheus conventions (base units, ratios 0-1) and pass `promtool check metrics`.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { DRIVER_STATES, type DriverState } from '../drivers/driver.js';
import { RECORD_SOURCES, type BatterySignals, type ChargerSignals, type EdgeRecord, type RecordSource } from '../core/record.js';
import { DeferredDeviceGauges, DeferredRecordCounter, type GaugeField } from './record-metrics.js';

/** Resolution of the nodejs_eventloop_lag_{min,max,mean,p50,p90,p99}_seconds histogram. */
export const EVENT_LOOP_SAMPLE_MS = 1000;

export class AgentMetrics {
  readonly registry: Registry;
  /** Records received from drivers and scoring, and records committed: counted per record, exported per scrape. */
  readonly ingested: DeferredRecordCounter;
  readonly buffered: DeferredRecordCounter;
  readonly dropped: Counter<'reason' | 'type'>;
  readonly driverErrors: Counter<'device' | 'reason'>;
  readonly driverInputs: Counter<'device' | 'input'>;
  readonly sourceSwitches: Counter<'device' | 'to'>;
  readonly componentFailures: Counter<'component'>;
  readonly bufferRows: Gauge;
  readonly bufferUsedBytes: Gauge;
  readonly bufferFileBytes: Gauge;
  readonly bufferMaxBytes: Gauge;
  readonly oldestUnsentAge: Gauge<'sink'>;
  readonly pendingInMemory: Gauge;
  readonly clockTrusted: Gauge;
  readonly componentUp: Gauge<'component'>;
  private readonly info: Gauge<'gateway' | 'version'>;
  private readonly driverState: Gauge<'device' | 'state'>;
  private readonly deviceSource: Gauge<'device' | 'source'>;
  private readonly deviceGauges: DeferredDeviceGauges;

  constructor(registry = new Registry()) {
    this.registry = registry;
    const r = [registry];
    // prom-client samples the event-loop delay with a libuv timer every 10 ms by default: 100
    // wake-ups a second, most of an idle agent's wake-ups (issue 15). Once a second still shows
    // any stall that matters on a gateway (the systemd watchdog catches a hung loop either way).
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    // prom-client also exports these gauges with a "_total" suffix, which promtool rejects for
    // non-counters; the same values stay available without the suffix (nodejs_active_handles ...).
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
      registry.removeSingleMetric(name);
    }
    const counter = <L extends string>(name: string, help: string, labelNames: L[], collect?: () => void) =>
      new Counter<L>({ name, help, labelNames, registers: r, ...(collect ? { collect } : {}) });
    const gauge = <L extends string>(name: string, help: string, labelNames: L[] = [], collect?: () => void) =>
      new Gauge<L>({ name, help, labelNames, registers: r, ...(collect ? { collect } : {}) });

    const recordCounter = (name: string, help: string): DeferredRecordCounter => {
      const deferred: DeferredRecordCounter = new DeferredRecordCounter(counter(name, help, ['device', 'type'], () => deferred.collect()));
      return deferred;
    };
    this.ingested = recordCounter('evedge_records_ingested_total', 'Records received from drivers and the scoring stage.');
    this.buffered = recordCounter('evedge_records_buffered_total', 'Records committed to the SQLite buffer (accepted).');
    this.dropped = counter('evedge_records_dropped_total', 'Records dropped, by documented reason.', ['reason', 'type']);
    this.driverErrors = counter('evedge_driver_errors_total', 'Bad input and I/O problems reported by drivers, by reason.', ['device', 'reason']);
    this.driverInputs = counter('evedge_driver_inputs_total', 'Inputs a driver received, by kind (e.g. CAN frames_received, frames_decoded).', ['device', 'input']);
    this.sourceSwitches = counter('evedge_device_source_switches_total', 'Switches between hardware and simulator fallback.', ['device', 'to']);
    this.componentFailures = counter('evedge_component_failures_total', 'Failures of isolated components (a driver, a sink, scoring).', ['component']);
    this.bufferRows = gauge('evedge_buffer_rows', 'Rows in the SQLite buffer.');
    this.bufferUsedBytes = gauge('evedge_buffer_used_bytes', 'Bytes used by buffer pages (the capped quantity).');
    this.bufferFileBytes = gauge('evedge_buffer_file_bytes', 'Size of the buffer database file on disk.');
    this.bufferMaxBytes = gauge('evedge_buffer_max_bytes', 'Configured buffer cap.');
    this.oldestUnsentAge = gauge('evedge_buffer_oldest_unsent_age_seconds', 'Age of the oldest record a sink has not acknowledged.', ['sink']);
    this.pendingInMemory = gauge('evedge_pipeline_pending_records', 'Records received but not yet committed to the buffer.');
    this.clockTrusted = gauge('evedge_clock_trusted', '1 when the wall clock is trusted (synchronised, plausible).');
    this.componentUp = gauge('evedge_component_up', '1 when an isolated component is running.', ['component']);
    this.info = gauge('evedge_agent_info', 'Always 1; labels name the gateway and the agent version.', ['gateway', 'version']);
    this.driverState = gauge('evedge_driver_state', 'Driver state per device (state set: 1 for the current state).', ['device', 'state']);
    this.deviceSource = gauge('evedge_device_source', 'Where the device data currently comes from (state set).', ['device', 'source']);
    // Every latest-value gauge below is set when any of them is scraped (record-metrics.ts).
    const collectDevices = (): void => this.deviceGauges?.collect();
    const dev = (name: string, help: string) => gauge(name, help, ['device'], collectDevices);
    const stat = (name: string, help: string) => gauge(name, help, ['device', 'stat'], collectDevices);
    const temperature = stat('evedge_battery_temperature_celsius', 'Pack temperature by statistic over sensors.');
    const cell = stat('evedge_battery_cell_voltage_volts', 'Cell voltage by statistic over cells.');
    const battery: Array<GaugeField<BatterySignals>> = [
      { gauge: dev('evedge_battery_voltage_volts', 'Pack voltage.'), read: (b) => b.packVoltageV },
      { gauge: dev('evedge_battery_current_amperes', 'Pack current, positive while charging.'), read: (b) => b.packCurrentA },
      { gauge: dev('evedge_battery_power_watts', 'Pack power, positive while charging.'), read: (b) => b.powerW },
      { gauge: dev('evedge_battery_state_of_charge_ratio', 'State of charge (0-1).'), read: (b) => scaled(b.socPct, 0.01) },
      { gauge: dev('evedge_battery_state_of_health_ratio', 'State of health (0-1).'), read: (b) => scaled(b.sohPct, 0.01) },
      { gauge: dev('evedge_battery_cycles', 'Cycle count (equivalent full cycles where the BMS reports them).'), read: (b) => b.cycleCount },
      { gauge: temperature, labels: { stat: 'min' }, read: (b) => b.tempMinC },
      { gauge: temperature, labels: { stat: 'max' }, read: (b) => b.tempMaxC },
      { gauge: temperature, labels: { stat: 'mean' }, read: (b) => b.tempMeanC },
      { gauge: cell, labels: { stat: 'min' }, read: (b) => b.cellVoltageMinV },
      { gauge: cell, labels: { stat: 'max' }, read: (b) => b.cellVoltageMaxV },
    ];
    const charger: Array<GaugeField<ChargerSignals>> = [
      { gauge: dev('evedge_charger_power_watts', 'Charger output power.'), read: (c) => c.powerW },
      { gauge: dev('evedge_charger_energy_delivered_joules', 'Lifetime energy delivered (meter reading).'), read: (c) => scaled(c.energyDeliveredWh, 3600) },
      { gauge: dev('evedge_charger_temperature_celsius', 'Charger temperature.'), read: (c) => c.temperatureC },
      { gauge: dev('evedge_charger_sessions', 'Charging sessions counted by the charger.'), read: (c) => c.sessionCount },
      { gauge: dev('evedge_charger_uptime_seconds', 'Charger uptime.'), read: (c) => c.uptimeS },
      { gauge: dev('evedge_charger_since_maintenance_seconds', 'Time since last maintenance.'), read: (c) => c.sinceMaintenanceS },
      { gauge: dev('evedge_charger_active_errors', 'Number of active OCPP error codes.'), read: (c) => c.errorCodes?.length },
    ];
    this.deviceGauges = new DeferredDeviceGauges(battery, charger,
      gauge('evedge_device_last_record_timestamp_seconds', 'Wall time of the last record from the device.', ['device'], collectDevices),
      gauge('evedge_charger_connector_status', 'OCPP 1.6 connector status (state set).', ['device', 'status'], collectDevices));
  }

  /** The authoritative gateway label for central Prometheus (scrape relabelling is a fallback). */
  setInfo(gateway: string, version: string): void {
    this.info.reset();
    this.info.set({ gateway, version }, 1);
  }

  setDriverState(device: string, state: DriverState): void {
    for (const s of DRIVER_STATES) this.driverState.set({ device, state: s }, s === state ? 1 : 0);
  }

  setDeviceSource(device: string, source: RecordSource): void {
    for (const s of RECORD_SOURCES) this.deviceSource.set({ device, source: s }, s === source ? 1 : 0);
  }

  /** Latest-value gauges from an accepted telemetry record (exported at the next scrape). */
  observe(record: EdgeRecord): void {
    this.deviceGauges.observe(record);
  }
}

function scaled(value: number | undefined, factor: number): number | undefined {
  return value === undefined ? undefined : value * factor;
}
