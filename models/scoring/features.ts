/**
 * Online per-device telemetry features for the pack and charger models. O(1) per record and
 * plain JSON state, so the agent can persist it (snapshot/restore) and the offline fleet
 * training (models/fleet) computes exactly the same numbers by running the same code over
 * simulated records.
 *
 * Why exponential averages and decayed counts rather than windows: they need no history buffer,
 * tolerate irregular sampling (the decay uses the real gap between records) and survive restarts
 * as two numbers each.
 */
import type { BatterySignals, ChargerSignals, PendingRecord } from '../../core/record.js';

const HOUR_S = 3600;
const DAY_S = 86_400;

/** Exponentially weighted mean with time constant tau (s), irregular sampling aware. */
interface Ewma { v: number | null; ts: number }
function ewma(state: Ewma, x: number | undefined, ts: number, tauS: number): void {
  if (x === undefined || !Number.isFinite(x)) return;
  if (state.v === null) state.v = x;
  else {
    const dt = Math.max(0, (ts - state.ts) / 1000);
    const a = 1 - Math.exp(-dt / tauS);
    state.v += a * (x - state.v);
  }
  state.ts = ts;
}
/** Count of events with exponential forgetting (tau s): ~ number of events in the last tau. */
interface Decayed { v: number; ts: number }
function decayTo(state: Decayed, ts: number, tauS: number): number {
  const dt = Math.max(0, (ts - state.ts) / 1000);
  return state.v * Math.exp(-dt / tauS);
}
function bump(state: Decayed, ts: number, tauS: number, inc: number): void {
  state.v = decayTo(state, ts, tauS) + inc;
  state.ts = ts;
}

export const PACK_FEATURES = [
  'c_rate', 'c_rate_ewma_10m', 'c_rate_ewma_1h', 'soc_pct', 'soh_pct', 'cycle_count',
  'temp_max_c', 'temp_mean_c', 'temp_mean_ewma_24h', 'temp_rise_c', 'temp_spread_c',
  'temp_rate_c_per_h', 'cell_spread_mv', 'cell_spread_ewma_1h', 'cell_spread_rate_mv_per_h',
  'cell_min_v', 'alarm_flags_24h', 'hours_observed',
] as const;
export const CHARGER_FEATURES = [
  'temperature_c', 'temperature_ewma_1h', 'temperature_max_24h', 'power_kw', 'charging',
  'faulted', 'unavailable', 'errors_24h', 'errors_7d', 'high_temp_errors_7d', 'ground_errors_7d',
  'sessions_per_day', 'uptime_days', 'days_since_maintenance', 'session_count', 'hours_observed',
] as const;

export interface PackState {
  kind: 'battery';
  ts: number | null;
  firstTs: number | null;
  last: Partial<Record<(typeof PACK_FEATURES)[number], number>>;
  cr10: Ewma; cr1h: Ewma; temp24h: Ewma; tempRate: Ewma; spread1h: Ewma; spreadRate: Ewma;
  prevTemp: number | null; prevSpread: number | null;
  flags: Decayed;
}
export interface ChargerState {
  kind: 'charger';
  ts: number | null;
  first: number | null;
  last: Partial<Record<(typeof CHARGER_FEATURES)[number], number>>;
  temp1h: Ewma; tempMax: Decayed; errors24h: Decayed; errors7d: Decayed; highTemp7d: Decayed; ground7d: Decayed;
  sessionRate: Ewma; prevSessions: number | null; prevErrors: string[];
}
export type DeviceState = PackState | ChargerState;

export function newPackState(): PackState {
  const e = (): Ewma => ({ v: null, ts: 0 });
  return { kind: 'battery', ts: null, firstTs: null, last: {}, cr10: e(), cr1h: e(), temp24h: e(), tempRate: e(), spread1h: e(), spreadRate: e(), prevTemp: null, prevSpread: null, flags: { v: 0, ts: 0 } };
}
export function newChargerState(): ChargerState {
  const d = (): Decayed => ({ v: 0, ts: 0 });
  return { kind: 'charger', ts: null, first: null, last: {}, temp1h: { v: null, ts: 0 }, tempMax: d(), errors24h: d(), errors7d: d(), highTemp7d: d(), ground7d: d(), sessionRate: { v: null, ts: 0 }, prevSessions: null, prevErrors: [] };
}

function updatePack(s: PackState, b: BatterySignals, ts: number): void {
  if (s.ts !== null && ts <= s.ts) return; // out-of-order or duplicate: features move forward only
  const dtH = s.ts === null ? 0 : (ts - s.ts) / 3.6e6;
  const capacity = b.fullCapacityAh;
  const cRate = b.packCurrentA !== undefined && capacity ? Math.abs(b.packCurrentA) / capacity : undefined;
  ewma(s.cr10, cRate, ts, 600);
  ewma(s.cr1h, cRate, ts, HOUR_S);
  const tMean = b.tempMeanC ?? (b.tempMaxC !== undefined && b.tempMinC !== undefined ? (b.tempMaxC + b.tempMinC) / 2 : undefined);
  ewma(s.temp24h, tMean, ts, DAY_S);
  const spread = b.cellVoltageMaxV !== undefined && b.cellVoltageMinV !== undefined ? (b.cellVoltageMaxV - b.cellVoltageMinV) * 1000 : undefined;
  ewma(s.spread1h, spread, ts, HOUR_S);
  // Rates: difference quotient smoothed over ~1 h; skip gaps over 6 h (a restart, comms loss).
  if (dtH > 0 && dtH < 6) {
    if (tMean !== undefined && s.prevTemp !== null) ewma(s.tempRate, (tMean - s.prevTemp) / dtH, ts, HOUR_S);
    if (s.spread1h.v !== null && s.prevSpread !== null) ewma(s.spreadRate, (s.spread1h.v - s.prevSpread) / dtH, ts, 6 * HOUR_S);
  }
  if (tMean !== undefined) s.prevTemp = tMean;
  if (s.spread1h.v !== null) s.prevSpread = s.spread1h.v;
  bump(s.flags, ts, DAY_S, b.alarmFlags?.length ? 1 : 0);
  if (s.firstTs === null) s.firstTs = ts;
  s.ts = ts;
  const l = s.last;
  if (cRate !== undefined) l.c_rate = cRate;
  if (b.socPct !== undefined) l.soc_pct = b.socPct;
  if (b.sohPct !== undefined) l.soh_pct = b.sohPct;
  if (b.cycleCount !== undefined) l.cycle_count = b.cycleCount;
  if (b.tempMaxC !== undefined) l.temp_max_c = b.tempMaxC;
  if (tMean !== undefined) l.temp_mean_c = tMean;
  if (b.tempMaxC !== undefined && b.tempMinC !== undefined) l.temp_spread_c = b.tempMaxC - b.tempMinC;
  if (spread !== undefined) l.cell_spread_mv = spread;
  if (b.cellVoltageMinV !== undefined) l.cell_min_v = b.cellVoltageMinV;
}

function updateCharger(s: ChargerState, c: ChargerSignals, ts: number): void {
  if (s.ts !== null && ts <= s.ts) return;
  ewma(s.temp1h, c.temperatureC, ts, HOUR_S);
  if (c.temperatureC !== undefined) {
    const decayed = decayTo(s.tempMax, ts, DAY_S);
    s.tempMax = { v: Math.max(decayed, c.temperatureC), ts };
  }
  // An error counts when it appears (onset), not on every record it stays active.
  const errors = c.errorCodes ?? [];
  const onsets = errors.filter((e) => !s.prevErrors.includes(e));
  bump(s.errors24h, ts, DAY_S, onsets.length);
  bump(s.errors7d, ts, 7 * DAY_S, onsets.length);
  bump(s.highTemp7d, ts, 7 * DAY_S, onsets.filter((e) => e === 'HighTemperature').length);
  bump(s.ground7d, ts, 7 * DAY_S, onsets.filter((e) => e === 'GroundFailure').length);
  s.prevErrors = errors;
  if (c.sessionCount !== undefined) {
    if (s.prevSessions !== null && s.ts !== null && ts > s.ts) {
      const days = (ts - s.ts) / 8.64e7;
      const delta = Math.max(0, c.sessionCount - s.prevSessions);
      if (days < 2) ewma(s.sessionRate, delta / days, ts, 3 * DAY_S);
    }
    s.prevSessions = c.sessionCount;
  }
  if (s.first === null) s.first = ts;
  s.ts = ts;
  const l = s.last;
  if (c.temperatureC !== undefined) l.temperature_c = c.temperatureC;
  if (c.powerW !== undefined) l.power_kw = c.powerW / 1000;
  if (c.connectorStatus !== undefined) {
    l.charging = c.connectorStatus === 'Charging' ? 1 : 0;
    l.faulted = c.connectorStatus === 'Faulted' ? 1 : 0;
    l.unavailable = c.connectorStatus === 'Unavailable' ? 1 : 0;
  }
  if (c.uptimeS !== undefined) l.uptime_days = c.uptimeS / DAY_S;
  if (c.sinceMaintenanceS !== undefined) l.days_since_maintenance = c.sinceMaintenanceS / DAY_S;
  if (c.sessionCount !== undefined) l.session_count = c.sessionCount;
}

/** Feeds one telemetry record into its device state (creating it). Non-telemetry records are ignored. */
export function updateState(states: Map<string, DeviceState>, record: PendingRecord): DeviceState | null {
  if (record.type !== 'battery' && record.type !== 'charger') return null;
  let s = states.get(record.deviceId);
  if (!s || s.kind !== record.type) {
    s = record.type === 'battery' ? newPackState() : newChargerState();
    states.set(record.deviceId, s);
  }
  if (s.kind === 'battery' && record.type === 'battery') updatePack(s, record.battery, record.ts);
  else if (s.kind === 'charger' && record.type === 'charger') updateCharger(s, record.charger, record.ts);
  return s;
}

/** The named feature values of a device now; a feature with no data yet is absent. */
export function featureValues(s: DeviceState): Record<string, number> {
  const out: Record<string, number> = { ...s.last };
  const ts = s.ts ?? 0;
  if (s.kind === 'battery') {
    const put = (k: string, v: number | null) => { if (v !== null && Number.isFinite(v)) out[k] = v; };
    put('c_rate_ewma_10m', s.cr10.v);
    put('c_rate_ewma_1h', s.cr1h.v);
    put('temp_mean_ewma_24h', s.temp24h.v);
    if (s.last.temp_mean_c !== undefined && s.temp24h.v !== null) out.temp_rise_c = s.last.temp_mean_c - s.temp24h.v;
    out.temp_rate_c_per_h = s.tempRate.v ?? 0;
    put('cell_spread_ewma_1h', s.spread1h.v);
    out.cell_spread_rate_mv_per_h = s.spreadRate.v ?? 0;
    out.alarm_flags_24h = decayTo(s.flags, ts, DAY_S);
    out.hours_observed = s.firstTs === null ? 0 : (ts - s.firstTs) / 3.6e6;
    // A model input: lets a model tell a first-day row (1 h / 24 h means not settled) from a settled
    // one, without learning anything from how long a fleet run has lasted beyond that.
    out.history_h_24 = Math.min(24, out.hours_observed);
  } else {
    if (s.temp1h.v !== null) out.temperature_ewma_1h = s.temp1h.v;
    if (s.last.temperature_c !== undefined) out.temperature_max_24h = Math.max(decayTo(s.tempMax, ts, DAY_S), s.last.temperature_c);
    out.errors_24h = decayTo(s.errors24h, ts, DAY_S);
    out.errors_7d = decayTo(s.errors7d, ts, 7 * DAY_S);
    out.high_temp_errors_7d = decayTo(s.highTemp7d, ts, 7 * DAY_S);
    out.ground_errors_7d = decayTo(s.ground7d, ts, 7 * DAY_S);
    out.sessions_per_day = s.sessionRate.v ?? 0;
    out.hours_observed = s.first === null ? 0 : (ts - s.first) / 3.6e6;
  }
  return out;
}

/** Card-ordered feature row, or the list of features this device cannot supply yet. */
export function featureRow(values: Record<string, number>, names: readonly string[]): { row: number[] } | { missing: string[] } {
  const row: number[] = [];
  const missing: string[] = [];
  for (const name of names) {
    const v = values[name];
    if (v === undefined || !Number.isFinite(v)) missing.push(name);
    else row.push(v);
  }
  return missing.length ? { missing } : { row };
}
