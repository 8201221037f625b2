/**
 * Series string of cells, each an equivalent circuit (Plett, "Battery Management Systems" Vol. 1,
 * ch. 2): OCV(SoC) + ohmic R0 + one R1||C1 polarisation pair, with its own capacity, temperature
 * and ageing state. Sign convention as the canonical record: current POSITIVE WHILE CHARGING.
 *
 *   V_cell = OCV(soc) + I R0 + V_rc,   dV_rc/dt = -V_rc / (R1 C1) + I / C1
 *   dsoc/dt = (I - I_leak) / (3600 Q)            (coulomb counting on the cell's own capacity)
 *
 * V_rc is integrated exactly for piecewise-constant current. State is kept in typed arrays because
 * every sub-step touches every cell (96 cells x 1 s steps over months of simulated time).
 */
import { arrhenius, calendarFade, calendarSocStress, EA_CALENDAR, EA_CYCLE, MAX_FADE, resistanceTemperatureFactor } from './ageing.js';
import { decideBalancing } from './bms.js';
import { type ChemistryParams, ocv } from './chemistry.js';
import type { Rng } from './rng.js';
import { cellThermalParams, MIN_COOLING_FRACTION } from './thermal.js';

/**
 * Temperature- and age-dependent parameters are refreshed this often (s): they change slowly
 * (thermal time constant ~13 min), and the Arrhenius exponentials are the costliest part of a step.
 */
const SLOW_UPDATE_S = 30;
const SECONDS_PER_MONTH = 30 * 86_400;

export interface PackOptions {
  chem: ChemistryParams;
  cells: number;
  capacityAh: number;
  ambientC: number;
  initialSoc: number;
  initialCycles: number;
  initialAgeDays: number;
}

export class Pack {
  readonly n: number;
  readonly chem: ChemistryParams;
  readonly nominalAh: number;
  soc: Float64Array;
  capAh: Float64Array;
  tempC: Float64Array;
  vrc: Float64Array;
  r0: Float64Array;
  r1: Float64Array;
  /** Extra leakage (A) per cell from an internal short fault; set by the fault layer. */
  shortA: Float64Array;
  private capNewAh: Float64Array;
  private r0New: Float64Array;
  private r1New: Float64Array;
  private selfLeakA: Float64Array;
  /** Passive balancing bleed (A) per cell, decided by the BMS (bms.ts) at each slow update. */
  readonly balanceA: Float64Array;
  private ageRate: Float64Array;
  private cycleFade: Float64Array;
  private calendarAgeS: Float64Array;
  private readonly heatCapacity: number;
  private readonly hANominal: number;
  /** Coolant/ambient temperature and the fraction of heat transfer still working (1 = healthy). */
  ambientC: number;
  coolingFraction = 1;
  currentA = 0;
  /** Lifetime Ah throughput (|I| dt) since the simulation began, and cycles before it. */
  throughputAh = 0;
  readonly initialCycles: number;
  /** Terminal voltage extremes at the end of the last step. */
  minCellV = 0;
  maxCellV = 0;
  /** Pack terminal voltage (sum of cells) at the end of the last step. */
  packV = 0;
  /** Largest R0 + R1 over the cells (ohm), refreshed with the temperature-dependent parameters. */
  maxCellResistance = 0;
  /** Pack SoC (%) by the series-string rule of capacityState(), at the end of the last step. */
  socPct = 0;
  private slowElapsedS = 0;
  private slowAh = 0;
  private cachedDt = -1;
  private rcDecay = 0;
  private thermalDecay = 0;
  private cachedCooling = -1;

  constructor(opts: PackOptions, rng: Rng) {
    const n = opts.cells;
    this.n = n;
    this.chem = opts.chem;
    this.nominalAh = opts.capacityAh;
    this.ambientC = opts.ambientC;
    this.initialCycles = opts.initialCycles;
    this.soc = new Float64Array(n);
    this.capAh = new Float64Array(n);
    this.capNewAh = new Float64Array(n);
    this.tempC = new Float64Array(n).fill(opts.ambientC);
    this.vrc = new Float64Array(n);
    this.r0 = new Float64Array(n);
    this.r1 = new Float64Array(n);
    this.r0New = new Float64Array(n);
    this.r1New = new Float64Array(n);
    this.shortA = new Float64Array(n);
    this.selfLeakA = new Float64Array(n);
    this.balanceA = new Float64Array(n);
    this.ageRate = new Float64Array(n);
    this.cycleFade = new Float64Array(n);
    this.calendarAgeS = new Float64Array(n);
    // Cell-to-cell spread of a new automotive batch: capacity ~1 % and resistance ~5 % (1 sigma)
    // (Rumpf et al., J. Energy Storage 14, 2017; Baumann et al., 2018), initial SoC 0.5 %,
    // self-discharge log-normal ~30 %, ageing rate 5 %.
    for (let i = 0; i < n; i++) {
      const cap = opts.capacityAh * (1 + 0.01 * clampSigma(rng.gaussian()));
      this.capNewAh[i] = cap;
      this.r0New[i] = (opts.chem.r0OhmAh / opts.capacityAh) * (1 + 0.05 * clampSigma(rng.gaussian()));
      this.r1New[i] = (opts.chem.r1OhmAh / opts.capacityAh) * (1 + 0.05 * clampSigma(rng.gaussian()));
      this.soc[i] = Math.min(1, Math.max(0, opts.initialSoc + 0.005 * clampSigma(rng.gaussian())));
      this.selfLeakA[i] = (opts.chem.selfDischargePerMonth * cap * 3600 * Math.exp(0.3 * clampSigma(rng.gaussian()))) / SECONDS_PER_MONTH;
      const ageRate = 1 + 0.05 * clampSigma(rng.gaussian());
      this.ageRate[i] = ageRate;
      // Pre-ageing at the ambient temperature and mid SoC.
      this.cycleFade[i] = opts.chem.cycleFadePerEfc * opts.initialCycles * arrhenius(EA_CYCLE, opts.ambientC) * ageRate;
      this.calendarAgeS[i] = opts.initialAgeDays * 86_400 * arrhenius(EA_CALENDAR, opts.ambientC) * ageRate;
    }
    const massKg = opts.chem.massKgPerAh * opts.capacityAh;
    const heatAt1C = opts.capacityAh * opts.capacityAh * ((opts.chem.r0OhmAh + opts.chem.r1OhmAh) / opts.capacityAh);
    const thermal = cellThermalParams(massKg, heatAt1C);
    this.heatCapacity = thermal.heatCapacityJPerK;
    this.hANominal = thermal.hAWPerK;
    this.refreshSlow(0);
    this.updateExtremes(0);
  }

  /** Advance all cells by dt seconds at a constant pack current (A, + charging). */
  step(dt: number, currentA: number): void {
    if (dt <= 0) return;
    const hA = this.hANominal * Math.max(MIN_COOLING_FRACTION, this.coolingFraction);
    if (dt !== this.cachedDt || this.coolingFraction !== this.cachedCooling) {
      this.rcDecay = Math.exp(-dt / this.chem.rcTauS);
      this.thermalDecay = Math.exp((-dt * hA) / this.heatCapacity);
      this.cachedDt = dt;
      this.cachedCooling = this.coolingFraction;
    }
    const eRc = this.rcDecay;
    const eTh = this.thermalDecay;
    const table = this.chem.ocvTable;
    const I = currentA;
    const soc = this.soc;
    const vrc = this.vrc;
    const temp = this.tempC;
    let vMin = Infinity;
    let vMax = -Infinity;
    let vSum = 0;
    let remaining = Infinity;
    let toFull = Infinity;
    for (let i = 0; i < this.n; i++) {
      const short = this.shortA[i] as number;
      const leak = (this.selfLeakA[i] as number) + (this.balanceA[i] as number) + short;
      const q = this.capAh[i] as number;
      const s = (soc[i] as number) + ((I - leak) * dt) / (3600 * q);
      soc[i] = s;
      if (s * q < remaining) remaining = s * q;
      if ((1 - s) * q < toFull) toFull = (1 - s) * q;
      const r1 = this.r1[i] as number;
      const v1 = (vrc[i] as number) * eRc + I * r1 * (1 - eRc);
      vrc[i] = v1;
      const r0 = this.r0[i] as number;
      const e = ocv(table, soc[i] as number);
      // Heat: ohmic loss, loss in the polarisation resistance, and the short's own dissipation.
      const heat = I * I * r0 + (v1 * v1) / r1 + short * e;
      const tSteady = this.ambientC + heat / hA;
      temp[i] = tSteady + ((temp[i] as number) - tSteady) * eTh;
      const v = e + I * r0 + v1;
      vSum += v;
      if (v < vMin) vMin = v;
      if (v > vMax) vMax = v;
    }
    this.minCellV = vMin;
    this.maxCellV = vMax;
    this.packV = vSum;
    this.socPct = packSocPct(remaining, toFull);
    this.currentA = I;
    const ah = (Math.abs(I) * dt) / 3600;
    this.throughputAh += ah;
    this.slowAh += ah;
    this.slowElapsedS += dt;
    if (this.slowElapsedS >= SLOW_UPDATE_S) this.refreshSlow(this.slowElapsedS);
  }

  /** Ageing increments and temperature-dependent resistances, over the elapsed slow interval. */
  private refreshSlow(elapsedS: number): void {
    const dEfc = this.slowAh / (2 * this.nominalAh);
    const chem = this.chem;
    let maxR = 0;
    for (let i = 0; i < this.n; i++) {
      const t = this.tempC[i] as number;
      const rate = this.ageRate[i] as number;
      if (elapsedS > 0) {
        this.cycleFade[i] = (this.cycleFade[i] as number) + chem.cycleFadePerEfc * dEfc * arrhenius(EA_CYCLE, t) * rate;
        this.calendarAgeS[i] = (this.calendarAgeS[i] as number) + elapsedS * arrhenius(EA_CALENDAR, t) * calendarSocStress(this.soc[i] as number) * rate;
      }
      const fade = Math.min(MAX_FADE, (this.cycleFade[i] as number) + calendarFade(chem.calendarFadePerSqrtDay, this.calendarAgeS[i] as number));
      this.capAh[i] = (this.capNewAh[i] as number) * (1 - fade);
      const growth = (1 + chem.resistanceGrowthPerFade * fade) * resistanceTemperatureFactor(t);
      this.r0[i] = (this.r0New[i] as number) * growth;
      this.r1[i] = (this.r1New[i] as number) * growth;
      maxR = Math.max(maxR, (this.r0[i] as number) + (this.r1[i] as number));
    }
    this.maxCellResistance = maxR;
    this.slowElapsedS = 0;
    this.slowAh = 0;
    decideBalancing(this);
  }

  private updateExtremes(currentA: number): void {
    let vMin = Infinity;
    let vMax = -Infinity;
    let vSum = 0;
    for (let i = 0; i < this.n; i++) {
      const v = this.cellVoltage(i, currentA);
      vSum += v;
      if (v < vMin) vMin = v;
      if (v > vMax) vMax = v;
    }
    this.minCellV = vMin;
    this.maxCellV = vMax;
    this.packV = vSum;
    const cap = this.capacityState();
    this.socPct = packSocPct(cap.remainingAh, cap.fullAh - cap.remainingAh);
  }

  cellVoltage(i: number, currentA = this.currentA): number {
    return ocv(this.chem.ocvTable, this.soc[i] as number) + currentA * (this.r0[i] as number) + (this.vrc[i] as number);
  }

  packVoltage(): number {
    let v = 0;
    for (let i = 0; i < this.n; i++) v += this.cellVoltage(i);
    return v;
  }

  /**
   * Usable charge of a series string (Plett Vol. 2, ch. 1): it is empty when its emptiest cell is,
   * full when its fullest cell is. remaining = min(soc_i Q_i), full = remaining + min((1-soc_i) Q_i).
   */
  capacityState(): { remainingAh: number; fullAh: number } {
    let remaining = Infinity;
    let toFull = Infinity;
    for (let i = 0; i < this.n; i++) {
      const q = this.capAh[i] as number;
      const s = this.soc[i] as number;
      remaining = Math.min(remaining, s * q);
      toFull = Math.min(toFull, (1 - s) * q);
    }
    remaining = Math.max(0, remaining);
    toFull = Math.max(0, toFull);
    return { remainingAh: remaining, fullAh: remaining + toFull };
  }

  /** Mean cell capacity over nominal: the SoH a BMS reports from its capacity estimate. */
  meanCapacityAh(): number {
    let sum = 0;
    for (let i = 0; i < this.n; i++) sum += this.capAh[i] as number;
    return sum / this.n;
  }

  meanResistanceOhm(): number {
    let sum = 0;
    for (let i = 0; i < this.n; i++) sum += (this.r0[i] as number) / resistanceTemperatureFactor(this.tempC[i] as number);
    return sum / this.n;
  }

  /** Equivalent full cycles: initial cycles + throughput / (2 x nominal capacity). */
  equivalentFullCycles(): number {
    return this.initialCycles + this.throughputAh / (2 * this.nominalAh);
  }
}

function packSocPct(remainingAh: number, toFullAh: number): number {
  const r = Math.max(0, remainingAh);
  const full = r + Math.max(0, toFullAh);
  return full > 0 ? (100 * r) / full : 0;
}

/** Spread draws are clipped at 3 sigma so one unlucky draw cannot make a nonsensical cell. */
function clampSigma(z: number): number {
  return z < -3 ? -3 : z > 3 ? 3 : z;
}
