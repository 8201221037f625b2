/**
 * The scoring stage: telemetry records in, prediction and alarm records out.
 *
 * `score(records)` is ASYNC (an engine's run is asynchronous: onnxruntime-node's is). Per call it
 *  1. updates each device's online features (models/scoring/features.ts) and checks the raw-signal
 *     alarm rules on every record;
 *  2. for each touched device, each configured model of its kind that is ready and due
 *     (interval_s since the device was last scored by it, in record time) gets one feature row,
 *     absent optional inputs as NaN; a device lacking a required input is not scored: counted in
 *     evedge_scoring_skipped_total{model,reason} and logged once per device, model and reason
 *     (basis.ts holds the rule);
 *  3. runs every model once over all its rows (batched), turns rows into named outputs with their
 *     basis (history, missing inputs, confidence), updates PSI windows, and checks the prediction
 *     alarm rules (`<model>.<output>`) for predictions confident enough to act on (act_from);
 *  4. emits one `maintenance` prediction per scored device (see maintenance.ts), from the
 *     predictions confident enough to act on and the active alarms.
 * A model that is unavailable is skipped; nothing here throws for a model problem.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Clock } from '../../core/clock.js';
import type { AlarmPayload, DeviceKind, PendingRecord, PredictionPayload, TimeBase } from '../../core/record.js';
import type { ScoringConfig } from '../config.js';
import { AlarmEvaluator, signalValues, type AlarmState } from './alarms.js';
import { buildRow, confidenceOf, confidenceRule, reaches, roundHours, type Confidence } from './basis.js';
import { TrajectoryFeatures, needsTrajectory } from './engine-features.js';
import { TRAJECTORY_FEATURE_NAMES } from '../features/trajectory.js';
import { featureValues, updateState, type DeviceState } from './features.js';
import { MAINTENANCE_LEVELS, MAINTENANCE_MODEL, MAINTENANCE_VERSION, maintenanceFor } from './maintenance.js';
import { createScoringMetrics, type ScoringMetrics } from './metrics.js';
import { SkipReporter } from './skips.js';
import { checkHorizon, configInputs } from './horizon.js';
import { namedOutputs } from './postprocess.js';
import { DriftMonitor } from './drift.js';
import { ModelRegistry, type ModelStatus } from './registry.js';

export interface ScoringStageOptions {
  config: ScoringConfig;
  modelsDir: string;
  registry: Registry;
  log: Logger;
  clock: Clock;
  gatewayId: string;
}

interface DeviceInfo { kind: DeviceKind; source: PendingRecord['source']; clockTrusted: boolean; timeBase?: TimeBase; faults?: string[] }
interface Snapshot {
  version: 1;
  devices: Record<string, DeviceState>;
  lastScored: Record<string, Record<string, number>>;
  latest: Record<string, Record<string, number>>;
  /** device -> model -> confidence of the prediction in `latest` (absent in older snapshots). */
  latestConfidence?: Record<string, Record<string, Confidence>>;
  alarms: AlarmState;
  engines?: Record<string, unknown>;
}

interface Job {
  device: string;
  row: number[];
  features: Record<string, number>;
  ts: number;
  /** Inputs absent from the row (NaN), named as in the card. */
  missing: string[];
  history: { hours: number; cycles: number };
}
const TRAJECTORY_INPUTS: ReadonlySet<string> = new Set(TRAJECTORY_FEATURE_NAMES);
const NO_INPUTS: ReadonlySet<string> = new Set();

export class ScoringStage {
  private readonly states = new Map<string, DeviceState>();
  private readonly info = new Map<string, DeviceInfo>();
  private lastScored = new Map<string, Record<string, number>>();
  /** device -> model -> record time the device last lacked a required input (not saved). */
  private readonly lastUnscorable = new Map<string, Record<string, number>>();
  /** device -> `<model>.<output>` -> latest value, for the maintenance rule. */
  private latest = new Map<string, Record<string, number>>();
  /** device -> model -> confidence of its prediction in `latest`. */
  private latestConfidence = new Map<string, Record<string, Confidence>>();
  private readonly skips: SkipReporter;
  private readonly alarms: AlarmEvaluator;
  private readonly driftMonitor: DriftMonitor;
  /** Shared feature engine for capacity-trajectory inputs (rul_capacity); null when no model needs it. */
  private trajectory: TrajectoryFeatures | null = null;

  private constructor(
    private readonly opts: ScoringStageOptions,
    private readonly models: ModelRegistry,
    private readonly metrics: ScoringMetrics,
  ) {
    this.alarms = new AlarmEvaluator(opts.config.alarms);
    this.skips = new SkipReporter(metrics.skipped, opts.log);
    this.driftMonitor = new DriftMonitor(metrics.psi, opts.config.drift.window, opts.config.drift.min_rows);
    this.refreshTrajectory();
  }

  /** Whether some loaded model for this kind of device is due at `ts`. */
  private anyModelDue(device: string, kind: string, ts: number): boolean {
    return this.opts.config.models.some((m) => m.device_kind === kind && this.models.get(m.name) !== undefined && this.isDue(device, m, ts));
  }

  /**
   * A model is due interval_s after it last scored the device, or after the device last lacked
   * one of its required inputs (a field it does not report: trying again on every record cost a
   * feature map per record for nothing, issue 15). Waiting for history is retried every record.
   */
  private isDue(device: string, m: { name: string; interval_s: number }, ts: number): boolean {
    const last = Math.max(this.lastScored.get(device)?.[m.name] ?? -Infinity, this.lastUnscorable.get(device)?.[m.name] ?? -Infinity);
    return ts - last >= m.interval_s * 1000;
  }

  /** Starts the feature engine once a ready battery model needs trajectory inputs (also after a hot reload). */
  private refreshTrajectory(): void {
    if (this.trajectory) return;
    const needed = this.opts.config.models.some((m) => m.device_kind === 'battery' && needsTrajectory(this.models.get(m.name)?.inputNames ?? []));
    if (needed) this.trajectory = new TrajectoryFeatures(this.opts.config.rul_eol_fraction, this.opts.log);
  }

  static async create(opts: ScoringStageOptions): Promise<ScoringStage> {
    const metrics = createScoringMetrics(opts.registry);
    const names = opts.config.enabled ? opts.config.models.map((m) => m.name) : [];
    // A model that takes a horizon input is refused when the configured horizon is outside its trained range.
    const models = new ModelRegistry(opts.modelsDir, names, opts.log, metrics, (model) => checkHorizon(model.card, opts.config), opts.config.runtime);
    await models.loadAll();
    if (opts.config.enabled && opts.config.hot_reload) models.watch(opts.config.reload_debounce_ms);
    return new ScoringStage(opts, models, metrics);
  }

  status(): ModelStatus[] {
    return this.models.status();
  }

  /** Resolves when hot reloads started so far are done (tests). */
  settled(): Promise<void> {
    return this.models.settled();
  }

  async score(records: readonly PendingRecord[]): Promise<PendingRecord[]> {
    if (!this.opts.config.enabled) return [];
    const started = performance.now();
    const out: PendingRecord[] = [];
    const touched = new Set<string>();
    this.refreshTrajectory();
    for (const record of records) {
      if (record.type !== 'battery' && record.type !== 'charger') continue;
      updateState(this.states, record);
      if (this.trajectory && record.type === 'battery') this.trajectory.update(record.deviceId, record.ts, record.battery);
      this.info.set(record.deviceId, {
        kind: record.deviceKind, source: record.source, clockTrusted: record.clockTrusted,
        ...(record.timeBase ? { timeBase: record.timeBase } : {}), ...(record.faults ? { faults: record.faults } : {}),
      });
      touched.add(record.deviceId);
      const body = record.type === 'battery' ? record.battery : record.charger;
      for (const alarm of this.alarms.evaluate(record.deviceId, record.deviceKind, signalValues(record.deviceKind, body), record.ts)) {
        out.push(this.alarmRecord(record.deviceId, record.ts, alarm));
      }
    }

    // Collect due rows per model, then one batched run per model.
    const jobs = new Map<string, Job[]>();
    for (const device of touched) {
      const state = this.states.get(device);
      const info = this.info.get(device);
      if (!state || !info || state.ts === null) continue;
      // Models run every interval_s (a minute), records come every second: the feature values
      // are built only when a model is due (issue 15: they were most of scoring's garbage).
      if (!this.anyModelDue(device, info.kind, state.ts)) continue;
      const trajectory = this.trajectory && info.kind === 'battery' ? this.trajectory.values(device) : {};
      const values = { ...featureValues(state), ...trajectory };
      const pending = this.trajectory?.has(device) && trajectory.observed_cycles === undefined ? TRAJECTORY_INPUTS : NO_INPUTS;
      const history = { hours: values.hours_observed ?? 0, cycles: trajectory.observed_cycles ?? 0 };
      for (const m of this.opts.config.models) {
        if (m.device_kind !== info.kind) continue;
        const model = this.models.get(m.name);
        if (!model || !this.isDue(device, m, state.ts)) continue;
        const rule = confidenceRule(model.card);
        // Inputs the operator sets (failure_pack's horizon_days) come from config, never from telemetry.
        const row = buildRow({ ...values, ...configInputs(model.card, this.opts.config) }, model.inputNames, rule, pending);
        if ('skip' in row) {
          this.skips.report(device, m.name, m.interval_s, state.ts, row.skip, row.missing);
          if (row.skip === 'missing_input') this.lastUnscorable.set(device, { ...this.lastUnscorable.get(device), [m.name]: state.ts });
          continue;
        }
        let list = jobs.get(m.name);
        if (!list) jobs.set(m.name, (list = []));
        list.push({ device, row: row.row, features: values, ts: state.ts, missing: row.missing, history });
      }
    }
    const scoredDevices = new Set<string>();
    for (const [name, list] of jobs) {
      const model = this.models.get(name);
      if (!model) continue;
      let rows: Float32Array[];
      try {
        rows = await model.run(list.map((j) => j.row), this.opts.config.batch_max);
      } catch (err) {
        this.opts.log.error({ model: name, err }, 'inference failed; batch skipped');
        continue;
      }
      this.driftMonitor.observe(name, model.sha256, model.card.feature_distribution, model.inputNames, list.map((j) => j.row));
      const rule = confidenceRule(model.card);
      list.forEach((job, i) => {
        const missing = [...job.missing];
        const outputs = namedOutputs(model.card, rows[i] as Float32Array, job.features, missing);
        if (!outputs) {
          this.skips.report(job.device, name, this.intervalS(name), job.ts, 'missing_input', missing);
          return;
        }
        // "Probability within H days" means nothing without H: the record carries the H it was scored for.
        Object.assign(outputs, configInputs(model.card, this.opts.config));
        const scored = this.lastScored.get(job.device) ?? {};
        scored[name] = job.ts;
        this.lastScored.set(job.device, scored);
        scoredDevices.add(job.device);
        const confidence = confidenceOf(rule, job.history, missing);
        const basis = { historyH: roundHours(job.history.hours), missingInputs: missing, confidence };
        out.push(this.predictionRecord(job.device, { model: name, modelVersion: model.version, outputs, inputsTs: job.ts, basis }));
        this.metrics.predictions.inc({ model: name });
        for (const [k, v] of Object.entries(outputs)) this.metrics.predictionValue.set({ device: job.device, model: name, output: k }, v);
        // Alarms and maintenance act only on predictions the card's rule says are worth acting on.
        if (!reaches(confidence, rule.act_from)) return;
        const latest = this.latest.get(job.device) ?? {};
        const values: Record<string, number> = {};
        for (const [k, v] of Object.entries(outputs)) {
          latest[`${name}.${k}`] = v;
          values[`${name}.${k}`] = v;
        }
        this.latest.set(job.device, latest);
        this.latestConfidence.set(job.device, { ...this.latestConfidence.get(job.device), [name]: confidence });
        const info = this.info.get(job.device);
        for (const alarm of this.alarms.evaluate(job.device, info?.kind ?? 'battery', values, job.ts)) {
          if (alarm.rule.includes('anomaly') && outputs.anomaly_type !== undefined) {
            const groups = (model.card as { residual?: { groups?: string[] } }).residual?.groups;
            alarm.message += ` (type: ${groups?.[outputs.anomaly_type] ?? outputs.anomaly_type})`;
          }
          out.push(this.alarmRecord(job.device, job.ts, alarm));
        }
      });
    }
    for (const device of scoredDevices) out.push(this.maintenanceRecord(device));
    this.metrics.duration.observe((performance.now() - started) / 1000);
    return out;
  }

  private intervalS(model: string): number {
    return this.opts.config.models.find((m) => m.name === model)?.interval_s ?? 0;
  }

  /**
   * Derived records carry the time and provenance of the newest input they came from: ts and
   * clockTrusted of that record (so replayed or simulated data gives the same records every run and
   * an alarm sorts next to the reading that caused it), and its source (simulated stays simulator).
   */
  private header(device: string, ts: number): Omit<PendingRecord, 'type' | 'prediction' | 'alarm' | 'battery' | 'charger'> {
    const info = this.info.get(device);
    return {
      gatewayId: this.opts.gatewayId,
      deviceId: device,
      deviceKind: info?.kind ?? 'battery',
      source: info?.source ?? 'hardware',
      ts,
      clockTrusted: info?.clockTrusted ?? this.opts.clock.trusted(),
      ...(info?.timeBase ? { timeBase: info.timeBase } : {}),
      ...(info?.faults ? { faults: info.faults } : {}),
    };
  }

  private predictionRecord(device: string, prediction: PredictionPayload): PendingRecord {
    return { ...this.header(device, prediction.inputsTs), type: 'prediction', prediction };
  }

  private alarmRecord(device: string, ts: number, alarm: AlarmPayload): PendingRecord {
    this.metrics.alarms.inc({ rule: alarm.rule, severity: alarm.severity });
    return { ...this.header(device, ts), type: 'alarm', alarm };
  }

  /** The maintenance recommendation of a device as a prediction record (maintenance.ts). */
  private maintenanceRecord(device: string): PendingRecord {
    const state = this.states.get(device);
    const kind = this.info.get(device)?.kind;
    const { code, basis } = maintenanceFor({
      latest: this.latest.get(device) ?? {},
      used: this.latestConfidence.get(device) ?? {},
      activeAlarms: this.alarms.activeFor(device),
      models: this.opts.config.models.filter((m) => m.device_kind === kind).map((m) => m.name),
      historyH: state ? roundHours(featureValues(state).hours_observed ?? 0) : 0,
    }, this.opts.config.maintenance);
    this.metrics.maintenance.set({ device }, code);
    const inputsTs = state?.ts ?? this.opts.clock.now();
    return this.predictionRecord(device, { model: MAINTENANCE_MODEL, modelVersion: MAINTENANCE_VERSION, outputs: { recommendation: code }, inputsTs, basis });
  }

  /** Current PSI per model and feature (NaN until drift.min_rows rows were seen). */
  drift(): Record<string, Record<string, number>> {
    return this.driftMonitor.values();
  }

  snapshot(): Snapshot {
    return {
      version: 1,
      devices: Object.fromEntries(this.states),
      lastScored: Object.fromEntries(this.lastScored),
      latest: Object.fromEntries(this.latest),
      latestConfidence: Object.fromEntries(this.latestConfidence),
      alarms: this.alarms.snapshot(),
      ...(this.trajectory ? { engines: this.trajectory.snapshot() } : {}),
    };
  }

  /** Restores a snapshot(); anything unrecognisable is logged and ignored (fresh state). */
  restore(state: unknown): void {
    const s = state as Partial<Snapshot> | null;
    if (!s || typeof s !== 'object' || s.version !== 1 || typeof s.devices !== 'object' || s.devices === null) {
      this.opts.log.warn('scoring state snapshot not recognised; starting with fresh feature state');
      this.states.clear();
      this.lastScored.clear();
      this.lastUnscorable.clear();
      this.latest.clear();
      this.latestConfidence.clear();
      this.alarms.restore({});
      return;
    }
    this.states.clear();
    for (const [device, ds] of Object.entries(s.devices)) {
      if (ds && (ds.kind === 'battery' || ds.kind === 'charger')) {
        this.states.set(device, ds);
        if (!this.info.has(device)) this.info.set(device, { kind: ds.kind, source: 'hardware', clockTrusted: this.opts.clock.trusted() });
      }
    }
    this.lastScored = new Map(Object.entries(s.lastScored ?? {}));
    this.latest = new Map(Object.entries(s.latest ?? {}));
    this.latestConfidence = new Map(Object.entries(s.latestConfidence ?? {}));
    this.alarms.restore(s.alarms ?? {});
    this.trajectory?.restore(s.engines);
  }

  async close(): Promise<void> {
    await this.models.close();
  }
}

export { MAINTENANCE_LEVELS };
