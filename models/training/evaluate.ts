/**
 * `npm run evaluate`: writes the cycle_life and rul_capacity sections of models/EVALUATION.md and
 * models/evaluation.json from the last training run (tmp/training/results.json), after re-running
 * the shipped cycle_life.onnx with onnxruntime-node, the agent's runtime, on every Severson cell and
 * checking it reproduces training's in-sample predictions. `--only NAME` writes one model's sections.
 *
 *   node dist/models/training/evaluate.js [--features tmp/training] [--only cycle_life|rul_capacity|fleet]
 * (`--only fleet` copies only the models/fleet sections and needs no training results.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadModel } from '../scoring/model.js';
import { cycleLifeMarkdown, type CycleLifeResults } from './cycle-life-text.js';
import { rulMarkdown, type TrainingResults } from './evaluation-text.js';
import { upsertJsonSection, upsertMarkdownSection } from './report-sections.js';
import { upsertFleetSections } from './fleet-sections.js';
import { repoRoot } from './shared-data.js';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function readCsv(path: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const cols = (head as string).split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i] as string, v])));
}

/** Largest |onnxruntime-node - framework| (cycles) over every cell's in-sample prediction, split/cellN ids. */
async function onnxInSampleCheck(modelsDir: string, featuresDir: string, cl: CycleLifeResults): Promise<{ maxAbsDiff: number; cells: number }> {
  const rows = ['train', 'test1'].flatMap((split) =>
    readCsv(join(featuresDir, `severson_${split}.csv`)).map((r): Record<string, string> & { id: string } => ({ ...r, id: `${split}/${r['cell']}` })));
  const want = new Map(cl.predictions.map((p) => [p.cell, p.in_sample]));
  // Through the scoring stage's loader, so the card's checks and its output transform (ln -> cycles) apply.
  const model = await loadModel(modelsDir, 'cycle_life');
  const pred = (await model.run(rows.map((r) => model.inputNames.map((n) => Number(r[n]))))).map((p) => p[0] as number);
  await model.release();
  let worst = 0;
  rows.forEach((r, i) => {
    const w = want.get(r.id);
    if (w === undefined) throw new Error(`results.json has no cycle_life prediction for ${r.id}: re-run the training`);
    worst = Math.max(worst, Math.abs((pred[i] as number) - w));
  });
  return { maxAbsDiff: worst, cells: rows.length };
}

async function writeCycleLife(cl: CycleLifeResults, modelsDir: string, featuresDir: string, mdPath: string, jsonPath: string, generated: string): Promise<void> {
  const onnx = await onnxInSampleCheck(modelsDir, featuresDir, cl);
  // The shipped file must predict what training predicted; a mismatch means a stale or broken export
  // (float32 in cycles: ~1.2e-4 a ulp at 2,000 cycles, so 0.01 is far above rounding).
  if (onnx.maxAbsDiff > 0.01) throw new Error(`cycle_life.onnx differs from training's in-sample predictions by ${onnx.maxAbsDiff} cycles: re-run the training`);
  upsertMarkdownSection(mdPath, 'cycle_life', cycleLifeMarkdown(cl, onnx));
  upsertJsonSection(jsonPath, 'cycle_life', {
    generated, command: 'npm run train:cycle-life',
    data: `Severson et al. 2019: severson/train and severson/test1, ${cl.n_cells} cells (${cl.excluded_cells.join(', ')} excluded); test1 is training data since issue 17, no held-out test figure exists`,
    selected: cl.selected, selection: cl.selection, onnxruntime_node_in_sample_max_abs_diff: onnx.maxAbsDiff,
    nested: cl.nested, variance_model_same_folds: cl.variance_model_same_folds, dummy_mean_same_folds: cl.dummy_mean_same_folds,
    candidates: cl.candidates, predictions: cl.predictions,
  });
  console.log(`cycle_life: onnxruntime-node reproduces training on ${onnx.cells} cells within ${onnx.maxAbsDiff.toExponential(1)} cycles; nested CV RMSE ${cl.nested.rmse.toFixed(1)}`);
}

async function main(): Promise<void> {
  const root = repoRoot();
  const featuresDir = resolve(argValue('--features') ?? join(root, 'tmp', 'training'));
  const modelsDir = join(root, 'models');
  const resultsPath = join(featuresDir, 'results.json');
  const mdPath = join(modelsDir, 'EVALUATION.md');
  const jsonPath = join(modelsDir, 'evaluation.json');
  if (argValue('--only') === 'fleet') {
    const fleet = upsertFleetSections(modelsDir, mdPath, jsonPath);
    if (!fleet.length) throw new Error('models/fleet has no EVALUATION.fleet.md / evaluation.fleet.json: run npm run train:fleet');
    console.log(`fleet models copied from models/fleet: ${fleet.join(', ')}`);
    return;
  }
  if (!existsSync(resultsPath)) throw new Error(`${resultsPath} not found: run \`npm run train\` first (it needs the shared data)`);
  const results = JSON.parse(readFileSync(resultsPath, 'utf8')) as TrainingResults;
  const only = argValue('--only');
  if (only !== undefined && only !== 'cycle_life' && only !== 'rul_capacity') throw new Error(`--only ${only}: expected cycle_life, rul_capacity or fleet`);
  const generated = new Date().toISOString();
  const want = (name: 'cycle_life' | 'rul_capacity') => {
    if (only !== undefined && only !== name) return false;
    if (!results[name]) throw new Error(`${resultsPath} has no ${name} results: train it (train.py --only ${name}) or pass --only`);
    return true;
  };
  if (want('cycle_life')) await writeCycleLife(results.cycle_life!, modelsDir, featuresDir, mdPath, jsonPath, generated);
  if (!want('rul_capacity')) return;
  const rul = results.rul_capacity!;
  upsertMarkdownSection(mdPath, 'rul_capacity', rulMarkdown(rul));
  upsertJsonSection(jsonPath, 'rul_capacity', {
    generated, command: 'npm run train && npm run evaluate',
    data: 'NASA PCoE B0005, B0006, B0018 (EoL 1.4 Ah of 2 Ah); CALCE CS2_35..38 (EoL 0.88 Ah of 1.1 Ah)' +
      (rul.simulated ? `; plus ${rul.simulated.cells_eol.length} simulated lab cells as training rows only` : ''),
    simulated: rul.simulated,
    protocol: 'leave one cell out; error = predicted - true end-of-life cycle at 25/50/75 % of the held-out cell life',
    censored_cells: rul.censored_cells,
    summary: rul.summary, per_cell: rul.per_cell,
  });
  const fleet = upsertFleetSections(modelsDir, mdPath, jsonPath);
  console.log(`fleet models copied from models/fleet: ${fleet.join(', ') || 'none (run npm run train:fleet)'}`);
  console.log(`wrote ${mdPath} and ${jsonPath}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
