/**
 * Threshold alarm rules with hysteresis: one alarm record per episode. An episode starts when the
 * value crosses `threshold` (op '>' : value > threshold) and ends only when it has been back past
 * `clear` (value <= clear) for `clear_after_s` seconds of record time (0: at once), so a signal
 * hovering at the threshold cannot fire on every record, and a fault whose symptom comes and goes
 * with the load (a failed cooling loop is only hot while driving) stays one episode.
 * The active set is plain JSON and is part of the stage snapshot, so a restart in the middle of
 * an episode does not re-fire it.
 */
import type { AlarmRuleConfig } from '../config.js';
import type { AlarmPayload, BatterySignals, ChargerSignals, DeviceKind } from '../../core/record.js';

/** Raw-signal values a rule can name: the record's numeric fields plus a few derived ones. */
export function signalValues(kind: DeviceKind, body: BatterySignals | ChargerSignals): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  if (kind === 'battery') {
    const b = body as BatterySignals;
    if (b.cellVoltageMaxV !== undefined && b.cellVoltageMinV !== undefined) out.cellSpreadMv = (b.cellVoltageMaxV - b.cellVoltageMinV) * 1000;
    if (b.tempMaxC !== undefined && b.tempMinC !== undefined) out.tempSpreadC = b.tempMaxC - b.tempMinC;
  }
  return out;
}

/** deviceId -> rule name -> episode (clearSince: record time the value first came back past clear). */
export type AlarmState = Record<string, Record<string, { clearSince: number | null }>>;

export class AlarmEvaluator {
  private active = new Map<string, Map<string, { clearSince: number | null }>>();

  constructor(private readonly rules: readonly AlarmRuleConfig[]) {}

  /**
   * Checks every rule of this device kind whose signal is present in `values`; returns the alarms
   * that start an episode now. Rules whose signal is absent keep their state.
   */
  evaluate(deviceId: string, kind: DeviceKind, values: Record<string, number>, ts: number): AlarmPayload[] {
    let set = this.active.get(deviceId);
    const fired: AlarmPayload[] = [];
    for (const rule of this.rules) {
      if (rule.device_kind !== undefined && rule.device_kind !== kind) continue;
      const value = values[rule.signal];
      if (value === undefined || !Number.isFinite(value)) continue;
      const clear = rule.clear ?? rule.threshold;
      const episode = set?.get(rule.name);
      const beyond = rule.op === '>' ? value > rule.threshold : value < rule.threshold;
      const cleared = rule.op === '>' ? value <= clear : value >= clear;
      if (!episode && beyond) {
        if (!set) this.active.set(deviceId, (set = new Map()));
        set.set(rule.name, { clearSince: null });
        fired.push({
          rule: rule.name,
          severity: rule.severity,
          message: `${rule.signal} ${round(value)} ${rule.op} ${rule.threshold}`,
          value,
          threshold: rule.threshold,
        });
      } else if (episode && cleared) {
        episode.clearSince ??= ts;
        if (ts - episode.clearSince >= rule.clear_after_s * 1000) set?.delete(rule.name);
      } else if (episode) {
        episode.clearSince = null; // back beyond clear: the episode goes on
      }
    }
    return fired;
  }

  /** Rules in an episode for a device, with their severity (for the maintenance recommendation). */
  activeFor(deviceId: string): { rule: string; severity: AlarmRuleConfig['severity'] }[] {
    const set = this.active.get(deviceId);
    if (!set) return [];
    return this.rules.filter((r) => set.has(r.name)).map((r) => ({ rule: r.name, severity: r.severity }));
  }

  snapshot(): AlarmState {
    const out: AlarmState = {};
    for (const [device, set] of this.active) if (set.size) out[device] = Object.fromEntries([...set].map(([rule, e]) => [rule, { ...e }]));
    return out;
  }

  restore(state: unknown): void {
    this.active.clear();
    if (!state || typeof state !== 'object') return;
    const known = new Set(this.rules.map((r) => r.name));
    for (const [device, episodes] of Object.entries(state as Record<string, unknown>)) {
      if (!episodes || typeof episodes !== 'object' || Array.isArray(episodes)) continue;
      const set = new Map<string, { clearSince: number | null }>();
      for (const [rule, e] of Object.entries(episodes as Record<string, { clearSince?: unknown }>)) {
        if (known.has(rule)) set.set(rule, { clearSince: typeof e?.clearSince === 'number' ? e.clearSince : null });
      }
      this.active.set(device, set);
    }
  }
}

function round(v: number): number {
  return Number(v.toPrecision(4));
}
