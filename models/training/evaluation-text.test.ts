import { describe, expect, it } from 'vitest';
import { rulMarkdown, type TrainingResults } from './evaluation-text.js';

type Rul = NonNullable<TrainingResults['rul_capacity']>;

const err = (mae: number) => ({ n: 7, mae_cycles: mae, rmse_cycles: mae, median_abs_cycles: mae, no_prediction: 0 });
const point = (f: number) => ({ life_fraction: f, cycle: Math.round(f * 100), true_eol: 100, model_error: 5, exp_fit_error: -7 });

function results(simulated?: Rul['simulated']): Rul {
  return {
    selected: 'xgboost_all',
    selection_points: [0.2, 0.25, 0.3, 0.8],
    candidates: { xgboost_all: { selection_score: 50, '25pct': err(80), '50pct': err(40), '75pct': err(30) } },
    nested: { 'nasa/B0005': { chosen: 'xgboost_all', errors: [10, -5, 2] } },
    nested_summary: { '25pct': err(90), '50pct': err(45), '75pct': err(35) },
    per_cell: { 'nasa/B0005': [point(0.25), point(0.5), point(0.75)] },
    summary: { '25pct': { model: err(80), exp_fit: err(200) }, '50pct': { model: err(40), exp_fit: err(37) }, '75pct': { model: err(30), exp_fit: err(60) } },
    cells: ['nasa/B0005'],
    censored_cells: ['nasa/B0007'],
    n_rows: 100,
    ...(simulated ? { simulated } : {}),
  };
}

describe('rul_capacity evaluation text', () => {
  it('documents the simulated training cells, their weight and lives', () => {
    const md = rulMarkdown(results({ cells: 3, seed: 42, rows_per_cell: 100, cells_eol: ['sim/nmc-00:120', 'sim/lfp-01:900', 'sim/lco-02:300'],
      n_rows: 250, default_weight: 0.1, selected_weight: 0.1 }));
    expect(md).toContain('3 simulated lab cells (250 rows');
    expect(md).toContain('seed 42');
    expect(md).toContain('lives 120 to 900 cycles');
    expect(md).toContain('weigh 0.1 x the real cells');
    expect(md).toContain('Shipped candidate: weight 0.1.');
    expect(md).not.toContain('No simulated trajectories were used');
  });

  it('says so when no simulated cells were used or the shipped candidate ignores them', () => {
    expect(rulMarkdown(results())).toContain('No simulated trajectories were used.');
    const md = rulMarkdown(results({ cells: 1, seed: 1, rows_per_cell: 100, cells_eol: ['sim/nmc-00:120'], n_rows: 10, default_weight: 0.1, selected_weight: 0 }));
    expect(md).toContain('Shipped candidate: no simulated cells.');
  });
});
