/**
 * Drift of each model's live inputs against its card's training histograms: one sliding window
 * per (model, input), PSI exported as evedge_model_feature_psi{model,feature} once `minRows`
 * values were seen. A new model version (other sha256) starts fresh windows, because its
 * training distribution is a different one.
 */
import type { Gauge } from 'prom-client';
import { FeatureWindow, psi } from './psi.js';

type Distribution = Record<string, { edges: number[]; fractions: number[] }>;

export class DriftMonitor {
  private readonly windows = new Map<string, { sha: string; dist: Distribution; byFeature: Map<string, FeatureWindow> }>();

  constructor(private readonly gauge: Gauge<'model' | 'feature'>, private readonly window: number, private readonly minRows: number) {}

  observe(model: string, sha: string, dist: Distribution, names: readonly string[], rows: readonly number[][]): void {
    let w = this.windows.get(model);
    if (!w || w.sha !== sha) {
      w = { sha, dist, byFeature: new Map() };
      for (const name of names) {
        const d = dist[name];
        if (d && d.fractions.length > 0) w.byFeature.set(name, new FeatureWindow(d.edges, this.window));
      }
      this.windows.set(model, w);
    }
    names.forEach((name, i) => {
      const win = w.byFeature.get(name);
      if (!win) return;
      // Absent inputs (NaN) are not a value of the distribution: their rate is in the prediction basis.
      for (const row of rows) if (Number.isFinite(row[i])) win.add(row[i] as number);
      if (win.size >= this.minRows) this.gauge.set({ model, feature: name }, psi(dist[name]?.fractions ?? [], win.counts));
    });
  }

  /** Current PSI per model and feature (NaN until minRows values were seen). */
  values(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [model, w] of this.windows) {
      const perFeature: Record<string, number> = {};
      for (const [feature, win] of w.byFeature) {
        perFeature[feature] = win.size >= this.minRows ? psi(w.dist[feature]?.fractions ?? [], win.counts) : Number.NaN;
      }
      out[model] = perFeature;
    }
    return out;
  }
}
