/**
 * Charger failure hazard model (ours: the simulator's fleet hazard is fixed per device at its
 * initial state, so it cannot say that a charger running hot or throwing errors is closer to
 * failure). A charger fails (power stage or contactor breakdown, out of service until repaired)
 * as an inhomogeneous Poisson process whose rate depends on its live state:
 *
 *   lambda(t) [per day] = BASE x 2^((T(t) - 30) / 10) x (1 + errors_7d(t)) x (1 + days_since_maintenance(t) / 365)
 *
 *  - T: 1-hour mean enclosure temperature (degC): Arrhenius-like doubling per 10 K, the usual
 *    rule of thumb for power electronics and capacitors;
 *  - errors_7d: error-code onsets in the last ~7 days (HighTemperature, GroundFailure, ...):
 *    each recent error adds one base rate (stress events and symptoms of wear);
 *  - days_since_maintenance: wear since the last service, +1 base rate per year.
 * BASE = 0.002 per day: a just-serviced charger at 30 degC without errors fails within 30 days
 * with probability 1 - exp(-0.06) = 5.8 %; heat, errors and wear multiply that rate.
 * The failure time is drawn by accumulating lambda x dt and comparing with an Exp(1) draw, which
 * is exact for a piecewise-constant rate on the sampling grid.
 */
import { Rng } from '../../drivers/simulator/index.js';

export const CHARGER_BASE_HAZARD_PER_DAY = 0.002;

export function chargerHazardPerDay(values: Record<string, number>): number {
  const temperature = values.temperature_ewma_1h ?? values.temperature_c ?? 30;
  const errors = values.errors_7d ?? 0;
  const sinceMaintenance = values.days_since_maintenance ?? 0;
  return CHARGER_BASE_HAZARD_PER_DAY * 2 ** ((temperature - 30) / 10) * (1 + errors) * (1 + sinceMaintenance / 365);
}

export class ChargerHazard {
  private cumulative = 0;
  private readonly threshold: number;

  constructor(seed: number) {
    this.threshold = new Rng(seed).exponential(1);
  }

  /** Advances by dtS at the current state; true exactly once, when the charger fails. */
  step(values: Record<string, number>, dtS: number): boolean {
    if (this.cumulative >= this.threshold) return false;
    this.cumulative += (chargerHazardPerDay(values) * dtS) / 86_400;
    return this.cumulative >= this.threshold;
  }
}
