/** Prometheus metrics of the scoring stage, all on the registry the agent passes in. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ScoringMetrics {
  predictions: Counter<'model'>;
  alarms: Counter<'rule' | 'severity'>;
  duration: Histogram<never>;
  predictionValue: Gauge<'device' | 'model' | 'output'>;
  modelInfo: Gauge<'model' | 'version' | 'state' | 'runtime'>;
  modelAvailable: Gauge<'model'>;
  reloads: Counter<'model' | 'result'>;
  psi: Gauge<'model' | 'feature'>;
  maintenance: Gauge<'device'>;
  skipped: Counter<'model' | 'reason'>;
}

export function createScoringMetrics(registry: Registry): ScoringMetrics {
  const registers = [registry];
  return {
    predictions: new Counter({ name: 'evedge_predictions_total', help: 'Prediction records produced, per model.', labelNames: ['model'], registers }),
    alarms: new Counter({ name: 'evedge_alarms_total', help: 'Alarm records produced, per rule and severity.', labelNames: ['rule', 'severity'], registers }),
    duration: new Histogram({
      name: 'evedge_scoring_duration_seconds',
      help: 'Wall time of one score() call (features, every model, alarms).',
      buckets: [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3],
      registers,
    }),
    predictionValue: new Gauge({ name: 'evedge_prediction_value', help: 'Latest prediction per device, model and output.', labelNames: ['device', 'model', 'output'], registers }),
    modelInfo: new Gauge({ name: 'evedge_model_info', help: 'Always 1: the loaded version, state (ready/unavailable) and engine (builtin/onnxruntime) of each configured model.', labelNames: ['model', 'version', 'state', 'runtime'], registers }),
    modelAvailable: new Gauge({ name: 'evedge_model_available', help: '1 when the model is loaded and validated, 0 when unavailable.', labelNames: ['model'], registers }),
    reloads: new Counter({ name: 'evedge_model_reloads_total', help: 'Hot reload attempts, by result (swapped, rejected).', labelNames: ['model', 'result'], registers }),
    psi: new Gauge({ name: 'evedge_model_feature_psi', help: 'Population stability index of live inputs against the card feature_distribution.', labelNames: ['model', 'feature'], registers }),
    skipped: new Counter({
      name: 'evedge_scoring_skipped_total',
      help: 'Devices due for scoring that a model could not score, by reason (missing_input, insufficient_history); at most once per interval_s per device.',
      labelNames: ['model', 'reason'],
      registers,
    }),
    maintenance: new Gauge({ name: 'evedge_maintenance_recommendation', help: 'Maintenance recommendation: 0 NONE, 1 WITHIN_30_DAYS, 2 WITHIN_7_DAYS, 3 IMMEDIATE.', labelNames: ['device'], registers }),
  };
}
