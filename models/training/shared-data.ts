/**
 * Readers for the third-party battery ageing data in the shared data folder (never copied into the
 * repo). Location: --data <dir> flag, else EV_EDGE_SHARED_DATA, else <repo root>/../shared/data.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repo root: the nearest ancestor of this file holding package.json (works from src and dist). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

export function sharedDataDir(flag?: string): string {
  return resolve(flag ?? process.env['EV_EDGE_SHARED_DATA'] ?? join(repoRoot(), '..', 'shared', 'data'));
}

export function hasBatteryData(dir = sharedDataDir()): boolean {
  return existsSync(join(dir, 'severson', 'train')) && existsSync(join(dir, 'nasa')) && existsSync(join(dir, 'calce'));
}

function parseCsvNumbers(text: string): number[][] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(',').map((v) => (v.trim() === '' ? NaN : Number(v))));
}

export interface SeversonCell {
  split: 'train' | 'test1';
  /** File name without extension, e.g. "cell22". */
  cell: string;
  cycleLife: number;
  /** qd[row][col]: Ah at grid voltage row (3.6 V -> 2.0 V), cycle col + 2. */
  qd: number[][];
}

export function readSeversonSplit(dir: string, split: 'train' | 'test1'): SeversonCell[] {
  const lives = parseCsvNumbers(readFileSync(join(dir, 'severson', `${split}_cycle_lives.csv`), 'utf8')).map((r) => r[0] as number);
  const files = readdirSync(join(dir, 'severson', split)).filter((f) => /^cell\d+\.csv$/.test(f));
  files.sort((a, b) => Number(a.slice(4, -4)) - Number(b.slice(4, -4)));
  return files.map((f) => {
    const n = Number(f.slice(4, -4));
    const cycleLife = lives[n - 1];
    if (cycleLife === undefined) throw new Error(`no cycle life for ${split}/${f}`);
    return { split, cell: f.slice(0, -4), cycleLife, qd: readSeversonCell(join(dir, 'severson', split, f)) };
  });
}

export function readSeversonCell(path: string): number[][] {
  return parseCsvNumbers(readFileSync(path, 'utf8'));
}

export interface CapacityHistory {
  dataset: 'nasa' | 'calce';
  cell: string;
  nominalAh: number;
  /** End-of-life threshold as a fraction of nominal. */
  eolFrac: number;
  /** Discharge capacity (Ah) per cycle, cycle 1 first. */
  capacityAh: number[];
}

/** NASA PCoE: 2 Ah cells, EoL at 1.4 Ah (70 %) as in the shared data README. */
export function readNasa(dir: string): CapacityHistory[] {
  return ['B0005', 'B0006', 'B0007', 'B0018'].map((cell) => {
    const rows = parseCsvNumbers(readFileSync(join(dir, 'nasa', `${cell}.csv`), 'utf8')).slice(1);
    return { dataset: 'nasa', cell, nominalAh: 2.0, eolFrac: 0.7, capacityAh: rows.map((r) => r[1] as number) };
  });
}

/** CALCE CS2_35..38: 1.1 Ah cells, EoL at 0.88 Ah (80 %). Columns end at different lengths. */
export function readCalce(dir: string): CapacityHistory[] {
  const lines = readFileSync(join(dir, 'calce', 'capacity.csv'), 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const names = (lines[0] as string).split(',').map((s) => s.trim());
  const rows = parseCsvNumbers(lines.slice(1).join('\n'));
  return names.map((cell, j) => ({
    dataset: 'calce',
    cell,
    nominalAh: 1.1,
    eolFrac: 0.8,
    capacityAh: rows.map((r) => r[j] as number).filter((v) => Number.isFinite(v)),
  }));
}
