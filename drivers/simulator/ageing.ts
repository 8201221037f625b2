/**
 * Ageing and temperature laws shared by the cell model.
 *
 * Capacity fade = calendar part + cycle part (the usual semi-empirical split, e.g. Schmalstieg et
 * al., J. Power Sources 257, 2014; Naumann et al., J. Power Sources 451, 2020):
 *  - calendar: k_cal * sqrt(t_eff), where t_eff accumulates real time weighted by an Arrhenius
 *    factor and a SoC stress factor, so a pack kept hot and full ages faster. Accumulating effective
 *    time (rather than loss) keeps the sqrt(t) law valid while the temperature changes.
 *  - cycle: k_cyc * EFC_eff, where each equivalent full cycle (Ah throughput / 2 / nominal capacity)
 *    is weighted by an Arrhenius factor (Ea ~31.5 kJ/mol, Wang et al., J. Power Sources 196, 2011).
 * Resistance grows in proportion to the fade (see CHEMISTRIES.resistanceGrowthPerFade).
 * The "knee" of late life (lithium plating, platingFadePerEfc below) is used by the cycle-level
 * capacity generator (capacity-trajectory.ts); the pack simulator does not use it (its fleet runs
 * span months of service, far from the knee).
 */

const GAS_CONSTANT = 8.314; // J/(mol K)
const T_REF_K = 298.15; // 25 degC

/** Activation energies (J/mol). Calendar ageing ~50 kJ/mol: roughly doubling per +10 K near 25 degC. */
export const EA_CALENDAR = 50_000;
export const EA_CYCLE = 31_500;
/**
 * Cell impedance rises at cold: R(T) = R25 * exp(Ea/R (1/T - 1/Tref)); 20 kJ/mol doubles R between
 * 25 and ~0 degC, the usual magnitude for automotive cells.
 */
export const EA_RESISTANCE = 20_000;

/** Arrhenius acceleration factor relative to 25 degC (> 1 when hotter). */
export function arrhenius(activationJPerMol: number, tempC: number): number {
  const tK = tempC + 273.15;
  return Math.exp((activationJPerMol / GAS_CONSTANT) * (1 / T_REF_K - 1 / tK));
}

/** Resistance multiplier at a temperature (> 1 when colder than 25 degC). */
export function resistanceTemperatureFactor(tempC: number): number {
  return 1 / arrhenius(EA_RESISTANCE, tempC);
}

/** Calendar ageing is faster at high SoC (about 2x between empty and full storage). */
export function calendarSocStress(soc: number): number {
  const s = soc < 0 ? 0 : soc > 1 ? 1 : soc;
  return 0.6 + 0.8 * s;
}

/** Calendar fade fraction for an effective age in seconds. */
export function calendarFade(kPerSqrtDay: number, effectiveAgeS: number): number {
  return kPerSqrtDay * Math.sqrt(effectiveAgeS / 86_400);
}

/** Fade is capped so a simulated cell never reaches zero capacity (the model is not valid there). */
export const MAX_FADE = 0.8;

/**
 * Extra fade per equivalent full cycle from lithium plating, the usual cause of the "knee" where
 * fade accelerates late in life. Loss of anode active material and pore clogging by SEI raise the
 * local current density until the anode potential reaches 0 V vs Li during charge; plated lithium
 * is partly lost and clogs more pores, so plating feeds on itself (Yang et al., J. Power Sources
 * 360, 28-40, 2017; Attia et al., J. Electrochem. Soc. 169, 060517, 2022). Modelled as a rate
 * proportional to how far the total fade is past an onset fade: below the onset nothing, above it
 * the excess fade grows exponentially with an e-folding of 1 / gainPerEfc cycles.
 */
export function platingFadePerEfc(fade: number, onsetFade: number, gainPerEfc: number): number {
  return fade > onsetFade ? gainPerEfc * (fade - onsetFade) : 0;
}
