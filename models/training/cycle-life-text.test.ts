import { describe, expect, it } from 'vitest';
import { cycleLifeMarkdown, type CvSummary, type CycleLifeResults } from './cycle-life-text.js';

const band = (rmse: number, n: number) => ({ n_cells: n, rmse, mean_error: -rmse / 2 });
const summary = (rmse: number): CvSummary => ({
  rmse, repeat_rmse: [rmse - 1, rmse, rmse + 1], repeat_sd: 1, repeat_min: rmse - 1, repeat_max: rmse + 1, se_rmse: 7,
  bands: { '< 600': band(rmse / 2, 30), '600-1,200': band(rmse, 42), '> 1,200': band(rmse * 3, 11) },
});
const candidate = (cv: number, within: boolean) => ({ cv_rmse: cv, cv_rmse_repeat_sd: 2, within_one_se: within, n_inputs: 6, bands: summary(cv).bands, in_sample_rmse: cv - 20 });

function results(nestedRmse: number, varianceRmse: number): CycleLifeResults {
  return {
    selected: 'extended_ridge_log',
    selection: { rule: 'one standard error', cv: '5-fold x 3 repeats, stratified by cycle life', seed: 0, best_cv: 'extended_ridge_log', se_rmse: 7.5, within_one_se: ['extended_ridge_log'] },
    candidates: { variance_ols_log: candidate(126, false), extended_ridge_log: candidate(74, true), all_xgboost: candidate(110, false) },
    nested: { ...summary(nestedRmse), chosen_per_outer_fold: Array.from({ length: 15 }, (_, i) => ({ repeat: Math.floor(i / 5), chosen: i < 3 ? 'extended_ridge_log' : 'all_elasticnet_log', validation_cells: 17 })),
      chosen_counts: { extended_ridge_log: 3, all_elasticnet_log: 12 } },
    variance_model_same_folds: summary(varianceRmse),
    dummy_mean_same_folds: summary(390),
    n_cells: 83,
    excluded_cells: ['test1/cell22'],
    card_sha256: 'x',
    predictions: [{ cell: 'train/cell1', true: 1000, in_sample: 990, nested_oof_mean: 950 },
      { cell: 'test1/cell1', true: 1000, in_sample: 990, nested_oof_mean: 950 },
      { cell: 'test1/cell22', true: 148, in_sample: 400, excluded: true }],
  };
}

describe('cycle_life evaluation text', () => {
  it('reports the nested CV, its spread and bands next to the variance model, and claims no test1 figure', () => {
    const md = cycleLifeMarkdown(results(80, 126), { maxAbsDiff: 3e-5, cells: 84 });
    expect(md).toContain('**No test1 figure can be claimed any more.**');
    expect(md).toContain('Nested-CV RMSE 80.0 cycles over the 83');
    expect(md).toContain('sd 1.0 over repeats, range 79.0..81.0');
    expect(md).toContain('lower than the variance model under the same outer folds: 126.0');
    expect(md).toContain('| > 1,200 | 11 | 240.0 | -120 | 378.0 | -189 | 1170.0 |');
    expect(md).toContain('`all_elasticnet_log` 12, `extended_ridge_log` 3');
    expect(md).toContain('| **extended_ridge_log** (shipped) | 6 | 74.0 |');
    expect(md).toContain('| variance_ols_log | 6 | 126.0 | 2.0 | baseline |');
    expect(md).toContain('test1/cell22 excluded');
    expect(md).not.toMatch(/RMSE [0-9.]+ cycles on test1/);
    expect(md).toContain('chosen in only 3 of the 15 outer folds');
    expect(md).not.toContain('holds only');
  });

  it('says plainly when the shipped procedure does not beat the variance model or the target', () => {
    const md = cycleLifeMarkdown(results(130, 126), { maxAbsDiff: 3e-5, cells: 84 });
    expect(md).toContain('**not lower than** the variance model');
    expect(md).toContain('Target of < 90 cycles:\n**not met**');
  });
});
