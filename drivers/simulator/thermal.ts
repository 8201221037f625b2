/**
 * Lumped thermal model, one node per cell:
 *   C_th dT/dt = Q - hA (T - T_coolant)
 * with Q the heat released in the cell (ohmic I^2 R0 + polarisation V_rc^2 / R1 + any internal
 * short leakage power). It is integrated exactly over a step with constant Q:
 *   T(t+dt) = T_ss + (T - T_ss) exp(-dt hA / C_th),  T_ss = T_coolant + Q / hA
 * which is stable for any step, so long rests can take large steps.
 *
 * Magnitudes: specific heat ~1000 J/(kg K) for Li-ion cells (Bernardi et al. 1985; measured
 * 0.9-1.1 kJ/(kg K)); hA is sized so a cell at 1C continuous settles ~8 K above the coolant and the
 * time constant is ~13 min, typical of a liquid-cooled automotive module. A cooling failure scales
 * hA down (the pump or fan stops; only conduction through the housing remains).
 */

export const CELL_SPECIFIC_HEAT = 1000; // J/(kg K)
/** Steady rise (K) of a cell dissipating its 1C heat, which sizes hA. */
const RISE_AT_1C_K = 8;
/** hA never drops below this fraction of nominal: natural convection and conduction remain. */
export const MIN_COOLING_FRACTION = 0.02;

export interface ThermalParams {
  heatCapacityJPerK: number;
  hAWPerK: number;
}

/** Thermal parameters of one cell from its mass and its 1C heat (W). */
export function cellThermalParams(massKg: number, heatAt1CW: number): ThermalParams {
  return { heatCapacityJPerK: massKg * CELL_SPECIFIC_HEAT, hAWPerK: heatAt1CW / RISE_AT_1C_K };
}

/**
 * Temperature sensors of a BMS: a few thermistors, each on one module (group of consecutive cells)
 * and reading the mean of that module. About one sensor per 12 cells, at least 1, at most 16.
 */
export function sensorCount(cells: number): number {
  return Math.max(1, Math.min(16, Math.ceil(cells / 12)));
}

/** [first, end) cell indices covered by a sensor. */
export function sensorCells(sensor: number, sensors: number, cells: number): [number, number] {
  const first = Math.floor((sensor * cells) / sensors);
  const end = Math.floor(((sensor + 1) * cells) / sensors);
  return [first, Math.max(end, first + 1)];
}
