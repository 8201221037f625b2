import { describe, expect, it } from 'vitest';
import { chargeCurrentLimit } from './bms.js';
import { CHEMISTRIES, type Chemistry } from './chemistry.js';
import { Pack } from './pack.js';
import { Rng } from './rng.js';

function makePack(chem: Chemistry, opts: { cells?: number; ambientC?: number; soc?: number } = {}): Pack {
  return new Pack(
    {
      chem: CHEMISTRIES[chem],
      cells: opts.cells ?? 4,
      capacityAh: 60,
      ambientC: opts.ambientC ?? 25,
      initialSoc: opts.soc ?? 0.5,
      initialCycles: 0,
      initialAgeDays: 0,
    },
    new Rng(7),
  );
}

function meanTemp(p: Pack): number {
  return p.tempC.reduce((a, b) => a + b, 0) / p.n;
}

/** Cycle the pack between 10 % and 90 % SoC at +-rate C with 60 s steps until `efc` cycles. */
function cycle(p: Pack, efc: number, rateC = 0.5): void {
  let sign = -1;
  while (p.equivalentFullCycles() < efc) {
    p.step(60, sign * rateC * p.nominalAh);
    if (sign < 0 && p.socPct < 10) sign = 1;
    else if (sign > 0 && p.socPct > 90) sign = -1;
  }
}

describe('Pack (cell equivalent circuit)', () => {
  it('coulomb counting: each cell moves by the integrated current over its own capacity', () => {
    const p = makePack('nmc');
    const before = Array.from(p.soc, (s, i) => s * (p.capAh[i] as number));
    for (let k = 0; k < 1800; k++) p.step(1, -30); // 0.5 Ah per minute for 30 min = 15 Ah out
    for (let i = 0; i < p.n; i++) {
      const moved = before[i]! - (p.soc[i] as number) * (p.capAh[i] as number);
      // Self-discharge over 30 min is ~1e-3 Ah; capacity fade over the run is negligible.
      expect(moved).toBeGreaterThan(15 - 0.01);
      expect(moved).toBeLessThan(15 + 0.01);
    }
  });

  it('terminal voltage sags on discharge and rises on charge (R0 + RC, current + charging)', () => {
    const p = makePack('nmc');
    const rest = p.packVoltage();
    p.step(1, -60);
    const discharging = p.packV;
    const q = makePack('nmc');
    q.step(1, 60);
    expect(discharging).toBeLessThan(rest - 0.1 * p.n * 0.0015 * 60);
    expect(q.packV).toBeGreaterThan(rest);
  });

  it('heats under load, stays at coolant temperature at rest', () => {
    const loaded = makePack('nmc');
    const resting = makePack('nmc');
    for (let k = 0; k < 1800; k++) {
      loaded.step(1, -60);
      resting.step(1, 0);
    }
    expect(meanTemp(loaded)).toBeGreaterThan(25 + 3);
    expect(Math.abs(meanTemp(resting) - 25)).toBeLessThan(0.05);
  });

  it('a cooling failure raises the temperature reached under the same load', () => {
    const healthy = makePack('nmc');
    const failed = makePack('nmc');
    failed.coolingFraction = 0.1;
    for (let k = 0; k < 3600; k++) {
      healthy.step(1, -60);
      failed.step(1, -60);
    }
    expect(meanTemp(failed)).toBeGreaterThan(meanTemp(healthy) + 5);
  });

  it('the charge current limit holds the highest cell at the set point (constant voltage)', () => {
    const p = makePack('nmc', { soc: 0.97 });
    for (let k = 0; k < 600; k++) p.step(1, Math.min(60, chargeCurrentLimit(p, 4.2, 1)));
    // The limit ignores the OCV rise within the 1 s step: overshoot stays far below 1 mV.
    expect(p.maxCellV).toBeLessThanOrEqual(4.2 + 0.001);
    expect(p.maxCellV).toBeGreaterThan(4.19);
    expect(p.currentA).toBeLessThan(60); // tapered
  });

  it('fades and grows resistance with cycles, faster when hot; LFP slower than NMC', () => {
    const nmc = makePack('nmc');
    const r0 = nmc.meanResistanceOhm();
    const soh: number[] = [];
    for (let efc = 100; efc <= 500; efc += 100) {
      cycle(nmc, efc);
      soh.push((100 * nmc.meanCapacityAh()) / nmc.nominalAh);
    }
    for (let k = 1; k < soh.length; k++) expect(soh[k]!).toBeLessThan(soh[k - 1]!);
    // ~6 % cycle fade at 500 EFC plus ~1 % calendar fade over the ~100 days it took.
    expect(soh.at(-1)!).toBeLessThan(97);
    expect(soh.at(-1)!).toBeGreaterThan(88);
    expect(nmc.meanResistanceOhm()).toBeGreaterThan(r0 * 1.05);

    const lfp = makePack('lfp');
    cycle(lfp, 500);
    const lfpSoh = (100 * lfp.meanCapacityAh()) / lfp.nominalAh;
    expect(lfpSoh).toBeGreaterThan(soh.at(-1)! + 2);
    expect(lfpSoh).toBeLessThan(100);

    const hot = makePack('nmc', { ambientC: 40 });
    cycle(hot, 500);
    expect(hot.meanCapacityAh()).toBeLessThan(nmc.meanCapacityAh());
  });

  it('passive balancing bleeds the high cells at the top of charge, never the lowest', () => {
    const p = makePack('lfp', { cells: 4 });
    [0.975, 0.995, 0.985, 0.975].forEach((s, i) => (p.soc[i] = s));
    p.step(1, 0);
    const lowestBefore = p.soc[0] as number;
    const spread = (): number => Math.max(...p.soc) - Math.min(...p.soc);
    const before = spread();
    for (let k = 0; k < 8 * 60; k++) p.step(60, 0); // 8 h resting full
    expect(spread()).toBeLessThan(before / 2);
    expect(lowestBefore - (p.soc[0] as number)).toBeLessThan(0.001); // self-discharge only
  });

  it('series-string SoC is limited by the emptiest and fullest cells', () => {
    const p = makePack('nmc', { cells: 2 });
    p.soc[0] = 0.3;
    p.soc[1] = 0.7;
    p.step(1, 0);
    const { remainingAh, fullAh } = p.capacityState();
    expect(remainingAh).toBeCloseTo(0.3 * (p.capAh[0] as number), 3);
    expect(fullAh).toBeCloseTo(remainingAh + 0.3 * (p.capAh[1] as number), 3);
    expect(p.socPct).toBeCloseTo((100 * remainingAh) / fullAh, 3);
  });
});
