/**
 * Training step 1 (TypeScript): read the raw shared data with the feature engine's own code and write
 * feature tables for the Python fitting step, so training and serving compute features identically.
 *
 *   node dist/models/training/build-features.js [--data <shared data dir>] [--out tmp/training]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { planLabCells, simulateLabCell } from '../../drivers/simulator/capacity-trajectory.js';
import { SEVERSON_FEATURE_NAMES, seversonFeaturesFromMatrix, seversonFeatureVector } from '../features/severson.js';
import {
  TRAJECTORY_FEATURE_NAMES,
  endOfLifeCycle,
  trailingMedian,
  trajectoryFeatures,
  trajectoryFeatureVector,
} from '../features/trajectory.js';
import { hasBatteryData, readCalce, readNasa, readSeversonSplit, repoRoot, sharedDataDir, type CapacityHistory } from './shared-data.js';

/** Severson et al. / Attia et al. exclude this primary-test cell as an outlier. */
export const SEVERSON_EXCLUDED = new Set(['test1/cell22']);
/** First cycle at which a RUL row is emitted: fade rates need some history. */
export const RUL_FIRST_CYCLE = 10;
/**
 * Simulated lab cells (drivers/simulator/capacity-trajectory.ts) added as rul_capacity training rows
 * only (never held out: leave-one-cell-out runs over the real cells). Ids start with "sim/". Each
 * contributes rows at every SIM_ROW_STRIDE-th cycle so that SIM_CELLS cells add a few thousand rows
 * rather than tens of thousands (features still use every cycle of the history).
 */
export const SIM_CELLS = 48;
export const SIM_SEED = 20261123;
export const SIM_ROWS_PER_CELL = 100;

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(10));

function writeCsv(path: string, header: string[], rows: (string | number)[][]): void {
  const text = [header.join(','), ...rows.map((r) => r.map((v) => (typeof v === 'number' ? num(v) : v)).join(','))].join('\n');
  writeFileSync(path, text + '\n');
}

function buildSeverson(dataDir: string, outDir: string): number {
  let count = 0;
  for (const split of ['train', 'test1'] as const) {
    const rows = readSeversonSplit(dataDir, split).map((c) => {
      const excluded = SEVERSON_EXCLUDED.has(`${split}/${c.cell}`) ? 1 : 0;
      return [c.cell, c.cycleLife, excluded, ...seversonFeatureVector(seversonFeaturesFromMatrix(c.qd))];
    });
    writeCsv(join(outDir, `severson_${split}.csv`), ['cell', 'cycle_life', 'excluded', ...SEVERSON_FEATURE_NAMES], rows);
    count += rows.length;
  }
  return count;
}

interface RulHistory {
  id: string;
  eolFrac: number;
  capFrac: number[];
  /** Emit a row every `stride` cycles (1 for real cells). */
  stride: number;
}

function simulatedHistories(): RulHistory[] {
  return planLabCells(SIM_CELLS, SIM_SEED).map((p) => {
    const capFrac = simulateLabCell(p).capFrac;
    const stride = Math.max(1, Math.ceil(capFrac.length / SIM_ROWS_PER_CELL));
    return { id: `sim/${p.id}`, eolFrac: p.eolFrac, capFrac, stride };
  });
}

function buildRul(dataDir: string, outDir: string): { rows: number; cells: string[]; simulated: string[] } {
  const real: RulHistory[] = ([...readNasa(dataDir), ...readCalce(dataDir)] as CapacityHistory[]).map((h) => ({
    id: `${h.dataset}/${h.cell}`,
    eolFrac: h.eolFrac,
    capFrac: h.capacityAh.map((q) => q / h.nominalAh),
    stride: 1,
  }));
  const simulated = simulatedHistories();
  const featureRows: (string | number)[][] = [];
  const seriesRows: (string | number)[][] = [];
  const cells: string[] = [];
  const simCells: string[] = [];
  for (const h of [...real, ...simulated]) {
    const { id, capFrac: frac } = h;
    const eol = endOfLifeCycle(frac, h.eolFrac);
    (id.startsWith('sim/') ? simCells : cells).push(`${id}:${eol ?? 'censored'}`);
    frac.forEach((f, i) => seriesRows.push([id, i + 1, f, h.eolFrac, eol ?? -1]));
    // Cells that never reach end of life have no remaining-life target: kept in the series table
    // (documented as censored) but not used as training rows.
    if (eol === undefined) continue;
    const smoothed = trailingMedian(frac);
    for (let k = RUL_FIRST_CYCLE; k <= eol; k++) {
      // Real cells: every cycle. Simulated: every stride-th cycle counted back from end of life.
      if ((eol - k) % h.stride !== 0) continue;
      const f = trajectoryFeatures(frac.slice(0, k), h.eolFrac, smoothed.slice(0, k));
      featureRows.push([id, k, eol, eol - k, ...trajectoryFeatureVector(f)]);
    }
  }
  writeCsv(join(outDir, 'rul_rows.csv'), ['cell', 'cycle', 'eol_cycle', 'remaining_cycles', ...TRAJECTORY_FEATURE_NAMES], featureRows);
  writeCsv(join(outDir, 'capacity_series.csv'), ['cell', 'cycle', 'cap_frac', 'eol_frac', 'eol_cycle'], seriesRows);
  return { rows: featureRows.length, cells, simulated: simCells };
}

function main(): void {
  const dataDir = sharedDataDir(argValue('--data'));
  const outDir = resolve(argValue('--out') ?? join(repoRoot(), 'tmp', 'training'));
  if (!hasBatteryData(dataDir)) {
    console.error(`battery data not found in ${dataDir}; set EV_EDGE_SHARED_DATA or pass --data`);
    process.exit(2);
  }
  mkdirSync(outDir, { recursive: true });
  const severson = buildSeverson(dataDir, outDir);
  const rul = buildRul(dataDir, outDir);
  writeFileSync(
    join(outDir, 'manifest.json'),
    JSON.stringify({ dataDir, severson_cells: severson, rul_rows: rul.rows, rul_cells_eol: rul.cells,
      rul_simulated: { cells: SIM_CELLS, seed: SIM_SEED, rows_per_cell: SIM_ROWS_PER_CELL, cells_eol: rul.simulated },
      severson_features: SEVERSON_FEATURE_NAMES, trajectory_features: TRAJECTORY_FEATURE_NAMES }, null, 2) + '\n',
  );
  console.log(`wrote ${severson} Severson cells and ${rul.rows} RUL rows (${rul.cells.join(' ')} + ${rul.simulated.length} simulated cells) to ${outDir}`);
}

main();
