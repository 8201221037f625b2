/**
 * What the BMS (and the charger it commands) does to the pack, apart from alarms (alarms.ts):
 * current limits that keep every cell inside its voltage window, and passive balancing.
 */
import { ocv } from './chemistry.js';
import type { Pack } from './pack.js';

/**
 * Largest charging current (A) for which no cell's terminal voltage ends a dt-second step above
 * vLimit: the constant-voltage phase of CC-CV charging and the regen limit. Solved per cell from
 * the exact RC update, V(dt) = OCV + I R0 + V_rc e + I R1 (1 - e), with e = exp(-dt / tau); the
 * OCV rise within the step is ignored (well under 1 mV at 1 s).
 */
export function chargeCurrentLimit(pack: Pack, vLimit: number, dt: number): number {
  const e = Math.exp(-dt / pack.chem.rcTauS);
  let limit = Infinity;
  for (let i = 0; i < pack.n; i++) {
    const head = vLimit - ocv(pack.chem.ocvTable, pack.soc[i] as number) - (pack.vrc[i] as number) * e;
    const amps = head / ((pack.r0[i] as number) + (pack.r1[i] as number) * (1 - e));
    if (amps < limit) limit = amps;
  }
  return limit;
}

/** Most negative current (A) for which no cell sags below vLimit by the end of a dt-second step. */
export function dischargeCurrentLimit(pack: Pack, vLimit: number, dt: number): number {
  const e = Math.exp(-dt / pack.chem.rcTauS);
  let limit = -Infinity;
  for (let i = 0; i < pack.n; i++) {
    const head = vLimit - ocv(pack.chem.ocvTable, pack.soc[i] as number) - (pack.vrc[i] as number) * e;
    const amps = head / ((pack.r0[i] as number) + (pack.r1[i] as number) * (1 - e));
    if (amps > limit) limit = amps;
  }
  return limit;
}

/**
 * Passive balancing as most BMSs do it: near the top of charge (charging or resting, highest
 * cell above the chemistry's balancing voltage) every cell more than 10 mV above the lowest is
 * bled through a resistor at ~C/500 (at least 50 mA; typical BMS bleed currents are 50-200 mA).
 * Without it a new LFP pack shows a large voltage spread at every top of charge.
 */
export function decideBalancing(pack: Pack): void {
  const idle = Math.abs(pack.currentA) < pack.nominalAh / 50;
  const on = (pack.currentA > 0 || idle) && pack.maxCellV > pack.chem.balanceStartV;
  if (!on) {
    pack.balanceA.fill(0);
    return;
  }
  const bleed = Math.max(0.05, pack.nominalAh / 500);
  const floor = pack.minCellV + 0.01;
  for (let i = 0; i < pack.n; i++) pack.balanceA[i] = pack.cellVoltage(i) > floor ? bleed : 0;
}
