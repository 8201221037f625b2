/** Markdown for the cycle_life and rul_capacity sections of models/EVALUATION.md, from train.py's results. */

export interface CandidateResult {
  cv_rmse_train: number;
  train_rmse: number;
  test1_rmse: number;
  test1_with_cell22_rmse: number;
}
interface ErrorSummary { n: number; mae_cycles?: number; rmse_cycles?: number; median_abs_cycles?: number; no_prediction?: number }
interface LifePoint { life_fraction: number; cycle: number; true_eol: number; model_error: number; exp_fit_error: number | null }

export interface TrainingResults {
  data_dir: string;
  cycle_life: {
    selected: string;
    candidates: Record<string, CandidateResult>;
    baselines: { dummy_train_mean: { train_rmse: number; test1_rmse: number }; variance_model: CandidateResult };
    n_train: number;
    n_test1: number;
    test1_predictions: unknown[];
  };
  rul_capacity: {
    per_cell: Record<string, LifePoint[]>;
    summary: Record<string, { model: ErrorSummary; exp_fit: ErrorSummary }>;
    cells: string[];
    censored_cells: string[];
    n_rows: number;
  };
}

const f1 = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x.toFixed(1));
const signed = (x: number | null) => (x === null ? 'no crossing' : `${x >= 0 ? '+' : ''}${x.toFixed(0)}`);

export function cycleLifeMarkdown(cl: TrainingResults['cycle_life'], onnxRmse: number): string {
  const sel = cl.candidates[cl.selected]!;
  const v = cl.baselines.variance_model;
  const rows = Object.entries(cl.candidates).map(([name, r]) =>
    `| ${name === cl.selected ? `**${name}** (shipped)` : name} | ${f1(r.cv_rmse_train)} | ${f1(r.train_rmse)} | ${f1(r.test1_rmse)} | ${f1(r.test1_with_cell22_rmse)} |`);
  return `## cycle_life

Cycle life (first cycle below 0.88 Ah) of Severson et al. (2019) LFP/graphite cells predicted from
their first 100 cycles. Train: severson/train (${cl.n_train} cells). Primary test: severson/test1
without cell22 (${cl.n_test1} cells), used once for reporting; the model was chosen by 5-fold
cross-validation (5 repeats) RMSE on the training cells only. Features: models/features/severson.ts.
Command: \`npm run train && npm run evaluate\`.

**Shipped model \`${cl.selected}\`: RMSE ${f1(sel.test1_rmse)} cycles on test1** (re-measured
from models/cycle_life.onnx with onnxruntime-node: ${f1(onnxRmse)}), against ${f1(v.test1_rmse)} for the
variance model reproduced in the same run. Target of < 90 cycles: ${sel.test1_rmse < 90 ? 'met' : '**not met**'}.

| model | CV RMSE (train) | train RMSE | test1 RMSE | test1 incl. cell22 |
|---|---|---|---|---|
${rows.join('\n')}
| dummy: training mean (reproduced) | | ${f1(cl.baselines.dummy_train_mean.train_rmse)} | ${f1(cl.baselines.dummy_train_mean.test1_rmse)} | |

All RMSE in cycles. Test1 RMSE of every candidate is shown for transparency; it was not used to
choose. Candidates whose test1 RMSE is lower than the shipped model's ranked worse in
cross-validation, so picking one of them would be tuning on the test set.

Published results on the same split (shared/data/README.md):

| source | model | train RMSE | test1 RMSE |
|---|---|---|---|
| Attia et al. 2021 (reproducing Severson) | variance | 103.6 | 138.4 |
| this run | variance (log cycle life ~ log10 var dQ, OLS) | ${f1(v.train_rmse)} | ${f1(v.test1_rmse)} |
| Severson et al. 2019 | discharge | | ~91 |
| BatteryML | dummy / variance / discharge / full / PCR / random forest | | 398 / 136 / 329 / 167 / 90 / 168 |

Data: Severson et al., Nature Energy 4, 383-391 (2019), CC-BY 4.0; arrays from Attia et al.,
J. Electrochem. Soc. 168 090547 (2021), MIT.`;
}

export function rulMarkdown(r: TrainingResults['rul_capacity']): string {
  const summaryRows = Object.entries(r.summary).map(([pt, s]) =>
    `| ${pt.replace('pct', ' %')} | ${f1(s.model.mae_cycles)} | ${f1(s.model.rmse_cycles)} | ${f1(s.model.median_abs_cycles)} | ${f1(s.exp_fit.mae_cycles)} | ${f1(s.exp_fit.rmse_cycles)} | ${f1(s.exp_fit.median_abs_cycles)} | ${s.exp_fit.no_prediction ?? 0} |`);
  const cellRows = Object.entries(r.per_cell).map(([cell, pts]) =>
    `| ${cell} | ${pts[0]!.true_eol} | ${pts.map((p) => `${signed(p.model_error)} / ${signed(p.exp_fit_error)}`).join(' | ')} |`);
  return `## rul_capacity

Remaining cycles to end of life from the capacity trajectory so far (capacity as a fraction of
nominal; features: models/features/trajectory.ts). Leave-one-cell-out over ${r.cells.length} cells:
NASA PCoE B0005, B0006, B0018 (EoL 1.4 Ah of 2 Ah) and CALCE CS2_35..CS2_38 (EoL 0.88 Ah of 1.1 Ah).
${r.censored_cells.join(', ')} never reaches its threshold in the record and is not used.
End of life = first cycle whose centred 5-cycle median capacity is below the threshold. At 25 %,
50 % and 75 % of the held-out cell's life the predicted end-of-life cycle (cycle + predicted
remaining cycles) is compared with the true one. Baseline: Q = a exp(b k) + c fitted to the
(trailing-median-smoothed) capacity so far and extrapolated to the threshold, in the same run.
Command: \`npm run train && npm run evaluate\`.

Absolute error of the predicted end-of-life cycle (cycles; model / exponential fit):

| point in life | model MAE | model RMSE | model median | exp-fit MAE | exp-fit RMSE | exp-fit median | exp fit: no crossing |
|---|---|---|---|---|---|---|---|
${summaryRows.join('\n')}

Signed error per held-out cell (predicted - true EoL cycle; model / exp fit):

| cell | true EoL cycle | 25 % | 50 % | 75 % |
|---|---|---|---|---|
${cellRows.join('\n')}

Caveats: 7 cells is a very small sample and mixes two chemistries with lives of ~100 and ~550
cycles; the large misses on B0006 come from the model having seen only one other fast-fading NASA
cell type when it is held out. The model form (xgboost on log(remaining + 1)) was chosen after
comparing four target/feature variants on this same leave-one-cell-out, so these numbers are
optimistic; no independent test cells exist. No simulated trajectories were used.

Data: B. Saha and K. Goebel, NASA Ames Prognostics Data Repository (2007), public domain; CALCE
Battery Research Group, University of Maryland (research use with citation); CSVs from
CXL-edu/Battery_RUL_Benchmark (Apache-2.0).`;
}
