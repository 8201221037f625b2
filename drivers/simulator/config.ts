/**
 * Config schema of the simulator block (`devices[].simulator`). Also used when a hardware device
 * falls back to simulation, so every field has a default.
 */
import { z } from 'zod';

export const SIMULATED_FAULT_TYPES = [
  'internal_short', // one cell self-discharges through an internal leakage path
  'cooling_failure', // pack loses most of its heat transfer to coolant/ambient
  'sensor_stuck', // one temperature sensor freezes at its last value
  'sensor_drift', // one temperature sensor's reading drifts away from the truth
  'charger_overtemp', // charger power stage overheats (HighTemperature, then Faulted)
  'ground_fault', // charger trips on a ground/residual current fault (GroundFailure, Faulted)
  'comms_loss', // device stops answering: no readings while active
] as const;
export type SimulatedFaultType = (typeof SIMULATED_FAULT_TYPES)[number];

export const simulatedFaultSchema = z.strictObject({
  type: z.enum(SIMULATED_FAULT_TYPES),
  /** Simulated seconds after start when the fault begins. */
  start_s: z.number().min(0).default(0),
  /** Simulated seconds the fault lasts; omitted = until the end. */
  duration_s: z.number().positive().optional(),
  /** Cell (internal_short) or sensor (sensor_*) index; defaults to 0. */
  index: z.number().int().min(0).default(0),
  /** Fault strength, meaning per type (leak current A, drift degC/hour, ...); defaults per type. */
  severity: z.number().positive().optional(),
});
export type SimulatedFault = z.infer<typeof simulatedFaultSchema>;

export const simulatorConfigSchema = z.strictObject({
  /** Seed of the device's random generator: same seed, same output. Default: hash of device id. */
  seed: z.number().int().min(0).optional(),
  /** Simulated seconds per wall-clock second. 86400 = one simulated day per second. */
  acceleration: z.number().min(0.001).max(1e7).default(1),
  /**
   * Stamp readings with simulated time instead of wall time (the demo clock): with acceleration 288
   * a simulated day passes in 5 minutes and the records say so (ts = start + simulated seconds), so
   * history-based features, scoring and alarms see a day, not 5 minutes. Records are marked
   * `timeBase: 'demo'` and `clockTrusted: false` (core/record.ts).
   */
  demo_clock: z.boolean().default(false),
  /** Battery: cell chemistry (open-circuit-voltage curve, ageing rates). */
  chemistry: z.enum(['nmc', 'lfp']).default('nmc'),
  cells_series: z.number().int().min(1).max(400).default(96),
  capacity_ah: z.number().positive().max(2000).default(60),
  ambient_c: z.number().min(-40).max(60).default(25),
  /** drive: EV drive/charge cycles; storage: one charge and one discharge per day; idle: rest. */
  profile: z.enum(['drive', 'storage', 'idle']).default('drive'),
  initial_soc_pct: z.number().min(0).max(100).default(80),
  /** Start the pack already aged: equivalent full cycles and calendar days. */
  initial_cycles: z.number().min(0).default(0),
  initial_age_days: z.number().min(0).default(0),
  /** Charger: rated power and mean number of sessions per day. */
  max_power_kw: z.number().positive().max(400).default(22),
  sessions_per_day: z.number().min(0).max(200).default(6),
  /**
   * Largest physics sub-step (simulated s) while current flows. 1 s resolves regen pulses and the
   * CV taper; bulk training-data generation may raise it (up to 10 s) for speed.
   */
  max_step_s: z.number().min(0.1).max(10).default(1),
  faults: z.array(simulatedFaultSchema).default([]),
});
export type SimulatorConfig = z.infer<typeof simulatorConfigSchema>;
