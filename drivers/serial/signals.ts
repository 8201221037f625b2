/**
 * Merges what the responses of one poll cycle contributed into one canonical BatterySignals, and
 * derives the fields every protocol computes the same way (cell min/max, temperature statistics,
 * power, charging state). Current sign: the decoders already return the canonical convention
 * (positive while charging); `invertCurrent` exists for firmwares that report it the other way.
 */
import type { BatterySignals, ChargingState } from '../../core/record.js';

/**
 * A value a decoder would not store: its bytes cannot be decoded unambiguously (out of the field's
 * documented range, an encoding the references disagree on, a sign that contradicts the BMS's own
 * state). The field is left out of the record and the refusal is reported, never a guessed number.
 */
export interface Refusal {
  /** The frame the value came from, e.g. 'jk read-all (0x06)', 'daly 0x90'. */
  frame: string;
  /** The field within it, e.g. '0x81 temperature sensor 1'. */
  field: string;
  raw: number;
  message: string;
}

/** What one decoded response adds to the record of its cycle. */
export interface Contribution {
  signals: BatterySignals;
  /** Every temperature sensor the frame reported (degC); statistics are computed at the end. */
  temperaturesC?: number[];
  /** Values of this frame that were refused (and so are absent from `signals`). */
  refusals?: Refusal[];
}

/** |current| below this is reported as idle: BMS current sensors read a few 10 mA of noise at rest. */
export const IDLE_CURRENT_A = 0.05;

export class ReadingAccumulator {
  private signals: BatterySignals = {};
  private temperatures: number[] = [];
  private alarms = new Set<string>();
  private contributions = 0;
  private refused: Refusal[] = [];

  /** Refusals collected since the last call (from contributions and from finish()). */
  takeRefusals(): Refusal[] {
    const out = this.refused;
    this.refused = [];
    return out;
  }

  get count(): number {
    return this.contributions;
  }

  add(contribution: Contribution): void {
    this.contributions++;
    const { alarmFlags, ...rest } = contribution.signals;
    Object.assign(this.signals, stripUndefined(rest));
    for (const flag of alarmFlags ?? []) this.alarms.add(flag);
    if (contribution.temperaturesC) this.temperatures.push(...contribution.temperaturesC);
    if (contribution.refusals) this.refused.push(...contribution.refusals);
  }

  /** The merged signals, or undefined when no response of the cycle carried any value. */
  finish(options: { invertCurrent?: boolean; alarmsReported: boolean; frames?: string }): BatterySignals | undefined {
    if (this.contributions === 0) return undefined;
    const s: BatterySignals = { ...this.signals };
    if (options.invertCurrent && s.packCurrentA !== undefined) s.packCurrentA = normZero(-s.packCurrentA);
    const contradiction = currentContradictsState(s, options.frames ?? 'cycle');
    if (contradiction) {
      this.refused.push(contradiction);
      delete s.packCurrentA;
    }
    if (s.packVoltageV !== undefined && s.packCurrentA !== undefined) {
      s.powerW = round(s.packVoltageV * s.packCurrentA, 3);
    }
    if (s.chargingState === undefined && s.packCurrentA !== undefined) s.chargingState = stateFromCurrent(s.packCurrentA);
    const cells = s.cellVoltagesV;
    if (cells && cells.length > 0) {
      s.cellVoltageMinV ??= Math.min(...cells);
      s.cellVoltageMaxV ??= Math.max(...cells);
    }
    if (this.temperatures.length > 0) {
      const t = this.temperatures;
      s.tempMinC = Math.min(...t);
      s.tempMaxC = Math.max(...t);
      s.tempMeanC = round(t.reduce((a, b) => a + b, 0) / t.length, 2);
    }
    // An empty list means "asked and none active"; undefined means "this cycle could not tell".
    if (options.alarmsReported || this.alarms.size > 0) s.alarmFlags = [...this.alarms].sort();
    return s;
  }
}

/**
 * A BMS that reports its own state (Daly 0x93) and a current whose sign says the opposite: the
 * current's sign convention differs between firmwares (see README), so which one is wrong cannot
 * be told from the bytes. The current is refused rather than stored with a guessed sign.
 */
function currentContradictsState(s: BatterySignals, frame: string): Refusal | undefined {
  const current = s.packCurrentA;
  if (current === undefined || s.chargingState === undefined || s.chargingState === 'idle') return undefined;
  const fromCurrent = stateFromCurrent(current);
  if (fromCurrent === 'idle' || fromCurrent === s.chargingState) return undefined;
  return {
    frame,
    field: 'packCurrentA',
    raw: current,
    message: `current ${current} A says ${fromCurrent} but the BMS reports ${s.chargingState}: ` +
      'this firmware uses the other current sign convention (set invert_current: true)',
  };
}

export function stateFromCurrent(currentA: number): ChargingState {
  if (currentA > IDLE_CURRENT_A) return 'charging';
  if (currentA < -IDLE_CURRENT_A) return 'discharging';
  return 'idle';
}

/** Names the set bits of `value` from a table indexed by bit number (unnamed bits get 'bit_N'). */
export function namedBits(value: number, names: readonly (string | null)[], prefix: string): string[] {
  const flags: string[] = [];
  for (let bit = 0; bit < 32 && value >>> bit !== 0; bit++) {
    if (((value >>> bit) & 1) === 0) continue;
    flags.push(names[bit] ?? `${prefix}_bit_${bit}`);
  }
  return flags;
}

/** Rounds away binary noise from scaled integers (1560 * 0.01 -> 15.6, not 15.600000000000001). */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return normZero(Math.round(value * f) / f);
}

function normZero(value: number): number {
  return Object.is(value, -0) ? 0 : value;
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
