/**
 * Devices a model could not score, made visible: evedge_scoring_skipped_total{model,reason} counts
 * at most once per interval_s of record time per device and model (as often as it would have
 * scored), and one warn line per device, model and reason says which inputs are lacking and why,
 * once, not once per batch.
 */
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { SkipReason } from './basis.js';

export class SkipReporter {
  /** device -> model -> record time of the last skip counted. */
  private readonly lastCounted = new Map<string, Record<string, number>>();
  private readonly logged = new Set<string>();

  constructor(private readonly counter: Counter<'model' | 'reason'>, private readonly log: Logger) {}

  report(device: string, model: string, intervalS: number, ts: number, reason: SkipReason, missing: readonly string[]): void {
    const counted = this.lastCounted.get(device) ?? {};
    const last = counted[model];
    if (last === undefined || ts - last >= intervalS * 1000) {
      counted[model] = ts;
      this.lastCounted.set(device, counted);
      this.counter.inc({ model, reason });
    }
    const key = `${device}/${model}/${reason}`;
    if (this.logged.has(key)) return;
    this.logged.add(key);
    const why = reason === 'insufficient_history' ? 'its history is too short for these inputs yet' : 'it does not report these required inputs';
    this.log.warn({ device, model, reason, missing }, `device not scored by ${model}: ${why} (${missing.join(', ')})`);
  }
}
