/**
 * `ev-edge predict`: offline predictions with the committed ONNX models, loaded and validated by the
 * same code as the agent's scoring stage (models/scoring/model.ts: card, sha256, shapes), with the
 * same feature functions as training (models/features).
 *
 *   ev-edge predict cycle-life DIR           one JSON line per cellN.csv (Severson array format)
 *   ev-edge predict rul FILE.csv --rated-ah X [--eol-fraction 0.8]
 *                                            one JSON line per cycle: predicted end-of-life cycle
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { seversonFeaturesFromMatrix } from '../../models/features/severson.js';
import { trailingMedian, trajectoryFeatures } from '../../models/features/trajectory.js';
import type { LoadedModel } from '../../models/scoring/model.js';

/** The model loader (and, for a graph the built-in engine cannot run, onnxruntime) only when a prediction is asked for. */
async function loadModel(dir: string, name: string): Promise<LoadedModel> {
  const { loadModel: load } = await import('../../models/scoring/model.js');
  return load(dir, name);
}
import { repoRoot } from '../../models/training/shared-data.js';
import { parseFlags } from '../../core/flags.js';
import type { Command } from './command.js';

const USAGE = `Usage:
  ev-edge predict cycle-life DIR [--models DIR]
      DIR holds cellN.csv files in the Severson/Attia array format (1000 rows x 99 columns:
      discharge capacity Qd in Ah on a 3.6 V..2.0 V grid for cycles 2..100). Prints one JSON line per
      cell: {"cell","cycle_life","model","version"}.
  ev-edge predict rul FILE.csv --rated-ah X [--eol-fraction 0.8] [--models DIR]
      FILE.csv has columns cycle,capacity (Ah; a header line is optional), one row per cycle in order.
      Prints one JSON line per cycle from the second on: {"cycle","capacity_ah","remaining_cycles",
      "predicted_eol_cycle","model","version"}. The n-th row counts as cycle n for the features.
  --models DIR   folder with <model>.onnx and <model>.card.json (default: the package's models/)`;

/** The model's input row, by the card's input names (so the card decides order and subset). */
function rowFor(model: LoadedModel, features: Record<string, number>): number[] {
  const missing = model.inputNames.filter((n) => !(n in features));
  if (missing.length) throw new Error(`model ${model.name} needs inputs the feature code does not make: ${missing.join(', ')}`);
  return model.inputNames.map((n) => features[n] as number);
}

function parseCsv(text: string): number[][] {
  return text.split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => l.split(',').map((v) => Number(v.trim())));
}

async function cycleLife(dir: string, modelsDir: string, out: (line: unknown) => void): Promise<number> {
  const files = readdirSync(dir).filter((f) => /^cell\d+\.csv$/.test(f)).sort((a, b) => Number(a.slice(4, -4)) - Number(b.slice(4, -4)));
  if (files.length === 0) throw new Error(`no cellN.csv files in ${dir}`);
  const model = await loadModel(modelsDir, 'cycle_life');
  try {
    const rows = files.map((f) => {
      const qd = parseCsv(readFileSync(join(dir, f), 'utf8'));
      if (qd.length < 4 || (qd[0]?.length ?? 0) < 99) throw new Error(`${f}: expected 1000 rows x 99 columns, got ${qd.length} x ${qd[0]?.length ?? 0}`);
      return rowFor(model, seversonFeaturesFromMatrix(qd));
    });
    const predictions = await model.run(rows);
    files.forEach((f, i) => out({ cell: basename(f, '.csv'), cycle_life: Number((predictions[i]?.[0] as number).toFixed(1)), model: model.name, version: model.version }));
  } finally {
    await model.release();
  }
  return 0;
}

async function rul(file: string, ratedAh: number, eolFraction: number, modelsDir: string, out: (line: unknown) => void): Promise<number> {
  const rows = parseCsv(readFileSync(file, 'utf8')).filter((r) => r.length >= 2 && r.every(Number.isFinite));
  if (rows.length < 2) throw new Error(`${file}: need at least two numeric cycle,capacity rows`);
  const cycles = rows.map((r) => r[0] as number);
  const capacity = rows.map((r) => r[1] as number);
  const capFrac = capacity.map((c) => c / ratedAh);
  const smoothed = trailingMedian(capFrac); // trailing = causal, so every prefix sees only its past
  const model = await loadModel(modelsDir, 'rul_capacity');
  try {
    const features = [];
    for (let n = 2; n <= capFrac.length; n++) features.push(rowFor(model, trajectoryFeatures(capFrac.slice(0, n), eolFraction, smoothed.slice(0, n))));
    const predictions = await model.run(features);
    predictions.forEach((p, i) => {
      const remaining = Math.max(0, p[0] as number);
      const cycle = cycles[i + 1] as number;
      out({
        cycle,
        capacity_ah: capacity[i + 1],
        remaining_cycles: Number(remaining.toFixed(1)),
        predicted_eol_cycle: Number((cycle + remaining).toFixed(1)),
        model: model.name,
        version: model.version,
      });
    });
  } finally {
    await model.release();
  }
  return 0;
}

export const predictCommand: Command = {
  name: 'predict',
  summary: 'Offline predictions: cycle life of Severson-format cells, RUL from a capacity history',
  usage: USAGE,
  async run(args) {
    const { flags, positionals } = parseFlags(args, ['help']);
    if (flags.has('help') || positionals.length < 2) {
      (flags.has('help') ? process.stdout : process.stderr).write(`${USAGE}\n`);
      return flags.has('help') ? 0 : 2;
    }
    const [what, target] = positionals as [string, string];
    const modelsFlag = flags.get('models');
    const modelsDir = typeof modelsFlag === 'string' ? resolve(modelsFlag) : join(repoRoot(), 'models');
    const out = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);
    try {
      if (!existsSync(target)) throw new Error(`${target}: no such file or folder`);
      if (what === 'cycle-life') return await cycleLife(target, modelsDir, out);
      if (what === 'rul') {
        const rated = Number(flags.get('rated-ah'));
        const eolFlag = flags.get('eol-fraction');
        const eol = eolFlag === undefined ? 0.8 : Number(eolFlag);
        if (!(rated > 0)) throw new Error('--rated-ah X (the rated capacity in Ah, > 0) is required');
        if (!(eol > 0 && eol < 1)) throw new Error('--eol-fraction must be between 0 and 1');
        return await rul(target, rated, eol, modelsDir, out);
      }
      process.stderr.write(`unknown prediction "${what}"\n${USAGE}\n`);
      return 2;
    } catch (err) {
      process.stderr.write(`ev-edge predict: ${(err as Error).message}\n`);
      return 1;
    }
  },
};
