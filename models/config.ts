/**
 * Scoring config (`scoring:`): which models run on which devices, the alarm rules (with their
 * hysteresis), the maintenance-recommendation thresholds and the drift (PSI) window.
 * Every key has a default so `scoring: { enabled: true }` is a working setup with the shipped models.
 */
import { z } from 'zod';
import { RUNTIME_CHOICES } from './runtime/runtime.js';

const nameSchema = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'expected a lower-case model name like failure_pack');

export const scoringModelSchema = z.strictObject({
  /** Base name: models/<name>.onnx with models/<name>.card.json beside it. */
  name: nameSchema,
  /** Which devices it scores. */
  device_kind: z.enum(['battery', 'charger']),
  /**
   * Score a device at most once per this many seconds (of record time). Predictions are never
   * dropped by the buffer, so scoring every 1 Hz record would flood it; features still update on
   * every record.
   */
  interval_s: z.number().min(0).max(86_400).default(60),
});
export type ScoringModelConfig = z.infer<typeof scoringModelSchema>;

/**
 * One alarm rule. `signal` names either a raw telemetry field (e.g. `tempMaxC`, `temperatureC`) or a
 * model output as `<model>.<output>` (e.g. `failure_pack.failure_probability`).
 * Hysteresis: the alarm fires once when the value crosses `threshold` and re-arms only after the
 * value has come back past `clear` (default: threshold itself, i.e. no dead band), so a value
 * hovering at the threshold produces one alarm per episode, not one per record.
 */
export const alarmRuleSchema = z.strictObject({
  name: nameSchema,
  signal: z.string().min(1),
  op: z.enum(['>', '<']),
  threshold: z.number(),
  clear: z.number().optional(),
  /** The value must stay past `clear` this long (record time) before the episode ends. */
  clear_after_s: z.number().min(0).max(7 * 86_400).default(0),
  severity: z.enum(['critical', 'warning', 'info']).default('warning'),
  device_kind: z.enum(['battery', 'charger']).optional(),
}).superRefine((rule, ctx) => {
  if (rule.clear === undefined) return;
  const ok = rule.op === '>' ? rule.clear <= rule.threshold : rule.clear >= rule.threshold;
  if (!ok) ctx.addIssue({ code: 'custom', path: ['clear'], message: `clear must be on the safe side of threshold for op "${rule.op}"` });
});
export type AlarmRuleConfig = z.infer<typeof alarmRuleSchema>;

export const DEFAULT_MODELS: ScoringModelConfig[] = [
  { name: 'failure_pack', device_kind: 'battery', interval_s: 60 },
  { name: 'anomaly_pack', device_kind: 'battery', interval_s: 60 },
  { name: 'failure_charger', device_kind: 'charger', interval_s: 60 },
  // Remaining cycles from the pack's own capacity history (feature engine: coulomb-counted
  // capacity or the BMS's full capacity / SoH); scores once two cycles were observed.
  { name: 'rul_capacity', device_kind: 'battery', interval_s: 60 },
];

/** Model-output rules end an episode only after 6 h back in the safe band: their symptoms follow the load. */
const SIX_HOURS = 21_600;
export const DEFAULT_ALARM_RULES: AlarmRuleConfig[] = [
  { name: 'pack_overtemp', signal: 'tempMaxC', op: '>', threshold: 60, clear: 55, clear_after_s: 600, severity: 'critical', device_kind: 'battery' },
  { name: 'pack_temp_high', signal: 'tempMaxC', op: '>', threshold: 50, clear: 47, clear_after_s: 600, severity: 'warning', device_kind: 'battery' },
  { name: 'cell_imbalance', signal: 'cellSpreadMv', op: '>', threshold: 100, clear: 70, clear_after_s: 0, severity: 'warning', device_kind: 'battery' },
  { name: 'cell_undervoltage', signal: 'cellVoltageMinV', op: '<', threshold: 2.5, clear: 2.7, clear_after_s: 0, severity: 'critical', device_kind: 'battery' },
  { name: 'charger_overtemp', signal: 'temperatureC', op: '>', threshold: 80, clear: 70, clear_after_s: 3600, severity: 'critical', device_kind: 'charger' },
  { name: 'pack_failure_risk', signal: 'failure_pack.failure_probability', op: '>', threshold: 0.7, clear: 0.5, clear_after_s: SIX_HOURS, severity: 'critical', device_kind: 'battery' },
  { name: 'charger_failure_risk', signal: 'failure_charger.failure_probability', op: '>', threshold: 0.7, clear: 0.5, clear_after_s: SIX_HOURS, severity: 'critical', device_kind: 'charger' },
  { name: 'pack_anomaly', signal: 'anomaly_pack.anomaly_score', op: '>', threshold: 6, clear: 4, clear_after_s: SIX_HOURS, severity: 'warning', device_kind: 'battery' },
  { name: 'rul_low', signal: 'rul_capacity.remaining_cycles', op: '<', threshold: 100, clear: 120, clear_after_s: SIX_HOURS, severity: 'warning', device_kind: 'battery' },
];

export const maintenanceSchema = z.strictObject({
  /** failure probability at or above which maintenance is IMMEDIATE / within 7 / within 30 days. */
  immediate_probability: z.number().min(0).max(1).default(0.7),
  within_7_days_probability: z.number().min(0).max(1).default(0.3),
  within_30_days_probability: z.number().min(0).max(1).default(0.1),
  /** Remaining useful life (cycles) below which maintenance is due within 7 / 30 days. */
  within_7_days_rul_cycles: z.number().min(0).default(50),
  within_30_days_rul_cycles: z.number().min(0).default(200),
}).prefault({});
export type MaintenanceConfig = z.infer<typeof maintenanceSchema>;

/**
 * Horizons (days) the shipped failure_pack model was trained for; its card's `horizon` block says
 * the same (models/scoring/horizon.test.ts checks they agree). The stage also checks the loaded
 * card, so a model swapped in later with a narrower range is refused rather than extrapolated.
 */
export const FAILURE_PACK_HORIZON_DAYS = { min: 1, max: 30, default: 30 } as const;
const horizonMessage = `expected ${FAILURE_PACK_HORIZON_DAYS.min} to ${FAILURE_PACK_HORIZON_DAYS.max} days, `
  + 'the horizons failure_pack was trained for (models/failure_pack.card.json)';

export const failurePackSchema = z.strictObject({
  /**
   * failure_pack reports P(end of life or a critical fault within this many days): the value is the
   * model's `horizon_days` input, filled from here for every scored pack, not from telemetry.
   */
  horizon_days: z.number().min(FAILURE_PACK_HORIZON_DAYS.min, horizonMessage).max(FAILURE_PACK_HORIZON_DAYS.max, horizonMessage)
    .default(FAILURE_PACK_HORIZON_DAYS.default),
}).prefault({});

export const scoringSchema = z.strictObject({
  enabled: z.boolean().default(false),
  models: z.array(scoringModelSchema).default(DEFAULT_MODELS),
  /**
   * The engine that runs the ONNX graphs (models/runtime): `auto` takes the built-in evaluator
   * when it supports every operator of a model (tree ensembles, linear models, element-wise
   * ops: all shipped models) and onnxruntime otherwise; `onnxruntime` always loads onnxruntime
   * (about 35 MB more resident memory); `builtin` refuses a model it cannot run.
   */
  runtime: z.enum(RUNTIME_CHOICES).default('auto'),
  /** Most rows handed to one engine run. */
  batch_max: z.number().int().min(1).max(100_000).default(512),
  /** Reload a model when its .onnx or .card.json changes; debounce to let a copy finish. */
  hot_reload: z.boolean().default(true),
  reload_debounce_ms: z.number().int().min(10).max(60_000).default(500),
  alarms: z.array(alarmRuleSchema).default(DEFAULT_ALARM_RULES),
  maintenance: maintenanceSchema,
  failure_pack: failurePackSchema,
  /** End of life as a fraction of nominal capacity, for capacity-trajectory (RUL) model inputs. */
  rul_eol_fraction: z.number().gt(0).lt(1).default(0.8),
  drift: z.strictObject({
    /** PSI is computed over the last `window` scored rows per model. */
    window: z.number().int().min(10).max(1_000_000).default(2000),
    /** No PSI is exported until this many rows were seen (PSI of a few rows is noise). */
    min_rows: z.number().int().min(1).default(200),
  }).prefault({}),
}).superRefine((config, ctx) => {
  const seen = new Set<string>();
  config.models.forEach((model, index) => {
    if (seen.has(model.name)) ctx.addIssue({ code: 'custom', path: ['models', index, 'name'], message: `duplicate model "${model.name}"` });
    seen.add(model.name);
  });
  const rules = new Set<string>();
  config.alarms.forEach((rule, index) => {
    if (rules.has(rule.name)) ctx.addIssue({ code: 'custom', path: ['alarms', index, 'name'], message: `duplicate alarm rule "${rule.name}"` });
    rules.add(rule.name);
  });
}).prefault({});
export type ScoringConfig = z.infer<typeof scoringSchema>;
