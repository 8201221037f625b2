/**
 * Capacity-trajectory features from the shared battery feature engine (models/features/engine.ts),
 * for models such as rul_capacity whose inputs are TRAJECTORY_FEATURE_NAMES. The engine is kept
 * only for battery devices and only when a configured model needs those inputs: it stores more
 * state per device (segments, capacity history, rolling windows) than the stage's own features.
 *
 * The engine needs the pack's nominal capacity and series cell count, which the stage is not told:
 * they are taken from the first record that has them (fullCapacityAh / (sohPct / 100), the length
 * of cellVoltagesV). A device whose records never carry them gets no trajectory features.
 */
import type { Logger } from 'pino';
import type { BatterySignals } from '../../core/record.js';
import { BatteryFeatureEngine, defaultEngineConfig } from '../features/engine.js';
import { TRAJECTORY_FEATURE_NAMES } from '../features/trajectory.js';

export function needsTrajectory(inputNames: readonly string[]): boolean {
  return inputNames.some((n) => (TRAJECTORY_FEATURE_NAMES as readonly string[]).includes(n));
}

export class TrajectoryFeatures {
  private readonly engines = new Map<string, BatteryFeatureEngine>();

  constructor(private readonly eolFraction: number, private readonly log: Logger) {}

  update(deviceId: string, ts: number, b: BatterySignals): void {
    let engine = this.engines.get(deviceId);
    if (!engine) {
      const nominal = b.fullCapacityAh !== undefined && b.sohPct ? b.fullCapacityAh / (b.sohPct / 100) : b.fullCapacityAh;
      if (!nominal || !(nominal > 0)) return;
      const overrides = b.cellVoltagesV?.length ? { seriesCells: b.cellVoltagesV.length } : {};
      engine = new BatteryFeatureEngine(defaultEngineConfig(nominal, overrides));
      this.engines.set(deviceId, engine);
    }
    engine.update(ts, b);
  }

  /**
   * The named trajectory features of a device plus `observed_cycles` (cycles since its first capacity
   * point: what a RUL prediction really rests on), or {} until it has two capacity points two
   * cycles apart. Capacity history before the first point is carried back from it
   * (capacityFractionPerCycle), so a pack first seen at cycle 300 would otherwise get a flat,
   * invented 300-cycle history on its first record.
   */
  values(deviceId: string): Record<string, number> {
    const engine = this.engines.get(deviceId);
    const history = engine?.capacityHistory() ?? [];
    const first = history[0];
    if (!engine || !first || history.length < 2) return {};
    const observed = engine.cycles() - first.cycle;
    const t = observed >= 1 ? engine.trajectory(this.eolFraction) : undefined;
    return t ? { ...t, observed_cycles: observed } : {};
  }

  /** True when the device has an engine: its capacity is known, so absent trajectory inputs only need history. */
  has(deviceId: string): boolean {
    return this.engines.has(deviceId);
  }

  snapshot(): Record<string, unknown> {
    return Object.fromEntries([...this.engines].map(([device, engine]) => [device, engine.toJSON()]));
  }

  restore(state: unknown): void {
    this.engines.clear();
    if (!state || typeof state !== 'object') return;
    for (const [device, json] of Object.entries(state)) {
      try {
        this.engines.set(device, BatteryFeatureEngine.fromJSON(json));
      } catch (err) {
        this.log.warn({ device, err }, 'feature engine state not restored; starting afresh for this device');
      }
    }
  }
}
