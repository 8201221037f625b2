import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sharedDataDir } from '../../models/training/shared-data.js';
import { predictCommand } from './predict.js';

const data = sharedDataDir();
const hasSeverson = existsSync(join(data, 'severson', 'test1'));
const hasNasa = existsSync(join(data, 'nasa', 'B0005.csv'));

let lines: string[] = [];
beforeEach(() => {
  lines = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter((l) => l !== ''));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

describe('ev-edge predict', () => {
  it.skipIf(!hasSeverson)('cycle-life: one line per real Severson test cell, error close to the published models', async () => {
    // Skipped without the shared data (set EV_EDGE_SHARED_DATA): it needs the real cell arrays.
    const code = await predictCommand.run(['cycle-life', join(data, 'severson', 'test1')]);
    expect(code).toBe(0);
    const out = lines.map((l) => JSON.parse(l) as { cell: string; cycle_life: number; model: string });
    expect(out).toHaveLength(43);
    expect(out[0]).toMatchObject({ cell: 'cell1', model: 'cycle_life' });
    const truth = readFileSync(join(data, 'severson', 'test1_cycle_lives.csv'), 'utf8').trim().split(/\r?\n/).map(Number);
    // Primary test excludes the outlier cell22 (see shared/data/README.md); dummy mean model is 398 cycles RMSE.
    const err = out.filter((o) => o.cell !== 'cell22').map((o) => o.cycle_life - (truth[Number(o.cell.slice(4)) - 1] as number));
    const rmse = Math.sqrt(mean(err.map((e) => e * e)));
    expect(rmse).toBeLessThan(200); // measured 108.4 with cycle_life 1.0.0
  });

  it.skipIf(!hasNasa)('rul: predicted end-of-life cycle after every cycle of a real NASA cell', async () => {
    const code = await predictCommand.run(['rul', join(data, 'nasa', 'B0005.csv'), '--rated-ah', '2', '--eol-fraction', '0.7']);
    expect(code).toBe(0);
    const out = lines.map((l) => JSON.parse(l) as { cycle: number; remaining_cycles: number; predicted_eol_cycle: number });
    const rows = readFileSync(join(data, 'nasa', 'B0005.csv'), 'utf8').trim().split(/\r?\n/).length - 1;
    expect(out).toHaveLength(rows - 1);
    expect(out[0]?.cycle).toBe(2);
    for (const o of out) {
      expect(o.remaining_cycles).toBeGreaterThanOrEqual(0);
      expect(o.predicted_eol_cycle).toBeCloseTo(o.cycle + o.remaining_cycles, 0);
    }
  });

  describe('without the shared data', () => {
    let dir = '';
    beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'evedge-predict-')); });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('rul on a synthetic linear fade: remaining cycles fall as the cell ages', async () => {
      const csv = ['cycle,capacity', ...Array.from({ length: 150 }, (_, i) => `${i + 1},${(2 - 0.002 * i).toFixed(5)}`)].join('\n');
      writeFileSync(join(dir, 'fade.csv'), csv);
      expect(await predictCommand.run(['rul', join(dir, 'fade.csv'), '--rated-ah', '2'])).toBe(0);
      const out = lines.map((l) => JSON.parse(l) as { cycle: number; remaining_cycles: number });
      expect(out).toHaveLength(149);
      expect(out[148]!.remaining_cycles).toBeLessThan(out[20]!.remaining_cycles);
    });

    it('reports bad input and a missing model with a non-zero exit, no throw', async () => {
      const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      expect(await predictCommand.run(['rul', join(dir, 'absent.csv'), '--rated-ah', '2'])).toBe(1);
      writeFileSync(join(dir, 'one.csv'), '1,2\n2,1.9\n');
      expect(await predictCommand.run(['rul', join(dir, 'one.csv')])).toBe(1); // no --rated-ah
      expect(await predictCommand.run(['rul', join(dir, 'one.csv'), '--rated-ah', '2', '--models', dir])).toBe(1); // no model there
      expect(String(err.mock.calls.at(-1)?.[0])).toContain('missing card');
      expect(await predictCommand.run(['cycle-life'])).toBe(2);
    });
  });
});
