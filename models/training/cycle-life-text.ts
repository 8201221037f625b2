/**
 * Markdown for the cycle_life section of models/EVALUATION.md, from train.py's results
 * (models/training/cycle_life_evaluation.py). Since issue 17 the model is trained on train + test1
 * (83 cells) and judged by nested cross-validation only: this text must never present a test1
 * figure as a held-out result.
 */

export interface BandSummary { n_cells: number; rmse: number | null; mean_error: number | null }
export interface CvSummary {
  rmse: number;
  repeat_rmse: number[];
  repeat_sd: number;
  repeat_min: number;
  repeat_max: number;
  /** Standard error of the RMSE from the per-cell squared errors (delta method). */
  se_rmse: number;
  bands: Record<string, BandSummary>;
}
export interface CycleLifeCandidate {
  cv_rmse: number;
  cv_rmse_repeat_sd: number;
  within_one_se: boolean;
  n_inputs: number;
  bands: Record<string, BandSummary>;
  in_sample_rmse: number;
}
export interface CycleLifePrediction { cell: string; true: number; in_sample: number; nested_oof_mean?: number; excluded?: boolean }
export interface CycleLifeResults {
  selected: string;
  selection: { rule: string; cv: string; seed: number; best_cv: string; se_rmse: number; within_one_se: string[] };
  candidates: Record<string, CycleLifeCandidate>;
  nested: CvSummary & { chosen_per_outer_fold: { repeat: number; chosen: string; validation_cells: number }[]; chosen_counts: Record<string, number> };
  variance_model_same_folds: CvSummary;
  dummy_mean_same_folds: CvSummary;
  n_cells: number;
  excluded_cells: string[];
  card_sha256: string;
  predictions: CycleLifePrediction[];
}

const BASELINE = 'variance_ols_log';
const f1 = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x.toFixed(1));
const signed = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${x >= 0 ? '+' : ''}${x.toFixed(0)}`);
const spread = (s: CvSummary) => `sd ${f1(s.repeat_sd)} over repeats, range ${f1(s.repeat_min)}..${f1(s.repeat_max)}; SE ${f1(s.se_rmse)} over cells`;

/** onnxCheck: largest |onnxruntime-node - framework| over every cell's in-sample prediction, cycles. */
export function cycleLifeMarkdown(cl: CycleLifeResults, onnxCheck: { maxAbsDiff: number; cells: number }): string {
  const sel = cl.candidates[cl.selected]!;
  const n = cl.nested;
  const v = cl.variance_model_same_folds;
  const d = cl.dummy_mean_same_folds;
  const bandNames = Object.keys(n.bands);
  const bandRows = bandNames.map((b) => {
    const [nb, vb, db] = [n.bands[b]!, v.bands[b]!, d.bands[b]!];
    return `| ${b} | ${nb.n_cells} | ${f1(nb.rmse)} | ${signed(nb.mean_error)} | ${f1(vb.rmse)} | ${signed(vb.mean_error)} | ${f1(db.rmse)} |`;
  });
  const chosen = Object.entries(n.chosen_counts).sort((a, b) => b[1] - a[1]).map(([c, k]) => `\`${c}\` ${k}`).join(', ');
  const candRows = Object.entries(cl.candidates).map(([name, r]) => {
    const label = name === cl.selected ? `**${name}** (shipped)` : name;
    const within = name === BASELINE ? 'baseline' : r.within_one_se ? 'yes' : 'no';
    return `| ${label} | ${r.n_inputs} | ${f1(r.cv_rmse)} | ${f1(r.cv_rmse_repeat_sd)} | ${within} | ${bandNames.map((b) => f1(r.bands[b]?.rmse)).join(' | ')} | ${f1(r.in_sample_rmse)} |`;
  });
  const nTrain = cl.predictions.filter((p) => !p.excluded && p.cell.startsWith('train/')).length;
  const nTest1 = cl.predictions.filter((p) => !p.excluded && p.cell.startsWith('test1/')).length;
  const beats = n.rmse < v.rmse ? 'lower than' : '**not lower than**';
  const folds = n.chosen_per_outer_fold.length;
  const shippedChosen = n.chosen_counts[cl.selected] ?? 0;
  const stability = shippedChosen * 2 > folds
    ? `The shipped candidate was also chosen in ${shippedChosen} of the ${folds} outer folds.`
    : `The shipped candidate was chosen in only ${shippedChosen} of the ${folds} outer folds: on ~${Math.round((cl.n_cells * 4) / 5)} cells the selection
is not stable, and the nested figure is the error of that unstable procedure, not of one fixed model.`;
  const thin = bandNames.filter((b) => n.bands[b]!.n_cells < 10).map((b) => `${b} holds only ${n.bands[b]!.n_cells} cells`);
  const thinText = thin.length ? ` The band ${thin.join(', ')}: its figures rest on those cells and are rough.` : '';
  return `## cycle_life

Cycle life (first cycle below 0.88 Ah) of Severson et al. (2019) LFP/graphite cells predicted from
their first 100 cycles. Features: models/features/severson.ts. Command, reproducing every figure
here byte for byte: \`npm run train:cycle-life\` (build-features, \`train.py --only cycle_life\`,
\`evaluate.js --only cycle_life\`).

**No test1 figure can be claimed any more.** severson/test1 was reported on in issue 5 (every
candidate's test1 score is known), so it is no longer a test split: since issue 17 it is training
data. The model is fitted on ${cl.n_cells} cells: severson/train (${nTrain}) and severson/test1 (${nTest1}),
${cl.excluded_cells.join(', ')} excluded as the published outlier (148 cycles, the shortest of all 84 by far;
Severson et al. 2019, Attia et al. 2021). No cell is held back; the figures below are nested
cross-validation over those cells. A separate evaluation on cells this project has never seen is
run independently, not here.

Selection rule, fixed and committed before it was first run on these cells (git history of
models/training/cycle_life_evaluation.py): ${cl.selection.cv} (seed ${cl.selection.seed}); the cells,
ranked by cycle life from the longest, form groups of 5 (the shortest-lived group takes the
remainder) and every fold holds one cell of each group of 5, so every training fold sees long-lived
cells. Penalties and component counts are tuned by an inner CV inside every fit. Rule: **${cl.selection.rule}**:
the best CV candidate, \`${cl.selection.best_cv}\`, has a CV RMSE standard error of ${f1(cl.selection.se_rmse)} cycles
(per-cell squared errors, delta method); the shipped model is the simplest candidate within that
band (linear before trees, one component before an ensemble, fewer inputs; then lower CV RMSE),
refitted on all ${cl.n_cells} cells. The variance model is the published baseline, never eligible.

Nested evaluation of that whole procedure: in each of the ${n.chosen_per_outer_fold.length} outer folds (the same folds as
the selection) the selection is re-run on the outer training cells alone, on their own stratified
folds, and the candidate it chooses, refitted on them, predicts the outer validation cells.

**Shipped model \`${cl.selected}\` (${sel.n_inputs} inputs). Nested-CV RMSE ${f1(n.rmse)} cycles over the ${cl.n_cells}
cells** (${spread(n)}), ${beats} the variance model under the same outer folds: ${f1(v.rmse)}
(${spread(v)}). Predicting the training-fold mean: ${f1(d.rmse)}. Target of < 90 cycles:
${n.rmse < 90 ? 'met by this estimate' : '**not met**'}.

| cycle-life band | cells | nested RMSE | nested mean error | variance RMSE | variance mean error | training-fold mean RMSE |
|---|---|---|---|---|---|---|
${bandRows.join('\n')}

RMSE in cycles over all out-of-fold predictions of the repeats; mean error = predicted - true
(negative: life under-predicted).${thinText} Candidates chosen in the outer folds: ${chosen}.
${stability}

Every candidate under the selection folds (CV RMSE in cycles, also per band; in-sample = refitted on
all ${cl.n_cells} cells and scored on them). These CV figures rank the candidates; the shipped candidate's
own CV figure is optimistic because it won the ranking, so the nested figure above is the estimate to
quote.

| candidate | inputs | CV RMSE | sd over repeats | within 1 SE | ${bandNames.join(' | ')} | in-sample RMSE |
|---|---|---|---|---|${bandNames.map(() => '---|').join('')}---|
${candRows.join('\n')}

Feature sets: \`discharge\` = Severson's discharge model (dQ100-10 min, variance, skewness, kurtosis;
capacity at cycle 2, max minus cycle 2); \`full\` = Severson's full model without the inputs the array
export lacks (charge time, temperature, internal resistance): dQ min and variance, fade-curve slope
and intercept over cycles 2..100, capacity at cycle 2, max minus cycle 2; \`extended\` = discharge +
10th percentile and median of dQ100-10 + fade slope and intercept over cycles 91..100; \`all\` = every
input. Linear-family models are fitted on ln cycle life; \`robust\` scales by median/IQR.

models/cycle_life.onnx, run by onnxruntime-node through the scoring loader on the feature tables of
all ${onnxCheck.cells} cells, reproduces training's in-sample predictions within ${onnxCheck.maxAbsDiff.toExponential(1)} cycles
(checked by \`npm run evaluate\`, which stops on a mismatch). Per-cell in-sample and mean out-of-fold
predictions are in models/evaluation.json (\`sections.cycle_life.predictions\`); \`ev-edge predict
cycle-life\` is tested to reproduce the in-sample ones (agent/commands/predict.test.ts).

Published figures on the old split (fit on the 41 train cells, score test1: Severson et al. about 91
for the discharge model, Attia et al. 138.4 for the variance model, BatteryML 90 to 398) measure a
different protocol and are not comparable with these. Issue 5's test1 figures for the previous
release (3.0.0) are in the git history of this file.

Data: Severson et al., Nature Energy 4, 383-391 (2019), CC-BY 4.0; arrays from Attia et al.,
J. Electrochem. Soc. 168 090547 (2021), MIT.`;
}
