/**
 * `npm run evaluate`: writes the cycle_life and rul_capacity sections of models/EVALUATION.md and
 * models/evaluation.json from the last training run (tmp/training/results.json), after re-measuring
 * the shipped cycle_life.onnx on the primary test split with onnxruntime-node, the agent's runtime.
 *
 *   node dist/models/training/evaluate.js [--features tmp/training]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadModel } from '../scoring/model.js';
import { SEVERSON_FEATURE_NAMES } from '../features/severson.js';
import { cycleLifeMarkdown, rulMarkdown, type TrainingResults } from './evaluation-text.js';
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

/** RMSE of the shipped ONNX model on test1 (without the excluded cell), run by onnxruntime-node. */
async function onnxTest1Rmse(modelsDir: string, featuresDir: string): Promise<{ rmse: number; n: number }> {
  const rows = readCsv(join(featuresDir, 'severson_test1.csv')).filter((r) => r['excluded'] === '0');
  const x = Float32Array.from(rows.flatMap((r) => SEVERSON_FEATURE_NAMES.map((n) => Number(r[n]))));
  // Through the scoring stage's loader, so the card's checks and its output transform (ln -> cycles) apply.
  const model = await loadModel(modelsDir, 'cycle_life');
  const width = SEVERSON_FEATURE_NAMES.length;
  const pred = (await model.run(rows.map((_, i) => x.subarray(i * width, (i + 1) * width)))).map((r) => r[0] as number);
  await model.release();
  const se = rows.reduce((s, r, i) => s + ((pred[i] as number) - Number(r['cycle_life'])) ** 2, 0);
  return { rmse: Math.sqrt(se / rows.length), n: rows.length };
}

async function main(): Promise<void> {
  const root = repoRoot();
  const featuresDir = resolve(argValue('--features') ?? join(root, 'tmp', 'training'));
  const modelsDir = join(root, 'models');
  const resultsPath = join(featuresDir, 'results.json');
  if (!existsSync(resultsPath)) throw new Error(`${resultsPath} not found: run \`npm run train\` first (it needs the shared data)`);
  const results = JSON.parse(readFileSync(resultsPath, 'utf8')) as TrainingResults;
  const cl = results.cycle_life;
  const onnx = await onnxTest1Rmse(modelsDir, featuresDir);
  const pythonRmse = cl.candidates[cl.selected]!.test1_rmse;
  // The shipped file must score what training measured; a mismatch means a stale or broken export.
  if (Math.abs(onnx.rmse - pythonRmse) > 0.01) {
    throw new Error(`cycle_life.onnx test1 RMSE ${onnx.rmse} differs from training's ${pythonRmse}: re-run npm run train`);
  }
  const generated = new Date().toISOString();
  const mdPath = join(modelsDir, 'EVALUATION.md');
  const jsonPath = join(modelsDir, 'evaluation.json');
  upsertMarkdownSection(mdPath, 'cycle_life', cycleLifeMarkdown(cl, onnx.rmse));
  upsertJsonSection(jsonPath, 'cycle_life', {
    generated, command: 'npm run train && npm run evaluate',
    data: 'Severson et al. 2019 (train 41 cells; primary test test1 43 cells, 42 without cell22)',
    selected: cl.selected, onnxruntime_node_test1_rmse: onnx.rmse, n_test1: onnx.n,
    candidates: cl.candidates, baselines: cl.baselines,
    published: { attia2021_variance: { train_rmse: 103.6, test1_rmse: 138.4 },
      batteryml_test1_rmse: { dummy: 398, variance: 136, discharge: 329, full: 167, pcr: 90, random_forest: 168 },
      severson2019_discharge_test1_rmse_approx: 91 },
    test1_predictions: cl.test1_predictions,
  });
  upsertMarkdownSection(mdPath, 'rul_capacity', rulMarkdown(results.rul_capacity));
  upsertJsonSection(jsonPath, 'rul_capacity', {
    generated, command: 'npm run train && npm run evaluate',
    data: 'NASA PCoE B0005, B0006, B0018 (EoL 1.4 Ah of 2 Ah); CALCE CS2_35..38 (EoL 0.88 Ah of 1.1 Ah)' +
      (results.rul_capacity.simulated ? `; plus ${results.rul_capacity.simulated.cells_eol.length} simulated lab cells as training rows only` : ''),
    simulated: results.rul_capacity.simulated,
    protocol: 'leave one cell out; error = predicted - true end-of-life cycle at 25/50/75 % of the held-out cell life',
    censored_cells: results.rul_capacity.censored_cells,
    summary: results.rul_capacity.summary, per_cell: results.rul_capacity.per_cell,
  });
  const fleet = upsertFleetSections(modelsDir, mdPath, jsonPath);
  console.log(`fleet models copied from models/fleet: ${fleet.join(', ') || 'none (run npm run train:fleet)'}`);
  console.log(`cycle_life: onnxruntime-node test1 RMSE ${onnx.rmse.toFixed(1)} cycles (n=${onnx.n}); wrote ${mdPath} and ${jsonPath}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
