/**
 * From the words of a poll's read requests to one canonical reading: decode every point, apply
 * "not available" markers, shift/mask, scale (fixed or SunSpec scale-factor register), unit
 * conversion and enum/bit tables. Pure, so it is tested without a device.
 *
 * Precedence: for a scalar field the first point in map order that yields a value wins (an enum
 * entry mapped to null yields nothing, so a later point decides); list fields collect from all.
 */
import type { BatterySignals, ChargerSignals } from '../../core/record.js';
import type { TelemetryBody } from '../driver.js';
import { decodeValue } from './decode.js';
import { ModbusDecodeError } from './errors.js';
import { LIST_FIELDS, fieldKind } from './fields.js';
import type { MapPoint, RegisterMap } from './map-loader.js';
import type { ReadRequest } from './planner.js';

export interface Problem {
  /** Fixed label for ctx.reportError. */
  reason: 'decode_error' | 'unexpected_value' | 'unmapped_enum_value' | 'non_finite_value' | 'sunspec_model_not_found';
  detail: string;
  /** The reading cannot be trusted at all (wrong device or wrong base address). */
  fatal: boolean;
}

/** Raw values by point name. A point of a failed request is simply absent. */
export function decodePoints(
  requests: readonly ReadRequest<MapPoint>[],
  results: ReadonlyArray<ArrayLike<number> | undefined>,
  problems: Problem[],
): Map<string, number | string> {
  const raws = new Map<string, number | string>();
  requests.forEach((request, i) => {
    const words = results[i];
    if (!words) return;
    for (const p of request.points) {
      try {
        const raw = decodeValue(words, p.address - request.start, p.type, p.count, p.wordOrder, p.byteOrder);
        if (p.expect !== undefined && raw !== p.expect) {
          problems.push({ reason: 'unexpected_value', detail: `${label(p)} reads ${raw}, expected ${p.expect}`, fatal: true });
        }
        raws.set(p.name, raw);
      } catch (error) {
        if (!(error instanceof ModbusDecodeError)) throw error;
        problems.push({ reason: 'decode_error', detail: `${label(p)}: ${error.message}`, fatal: false });
      }
    }
  });
  return raws;
}

export function buildBody(map: RegisterMap, raws: ReadonlyMap<string, number | string>, problems: Problem[]): TelemetryBody {
  const out: Record<string, unknown> = {};
  for (const p of map.points) {
    if (!p.field) continue;
    const raw = raws.get(p.name);
    if (raw === undefined) continue;
    // A float NaN is how devices (Alfen, SunSpec float models) say "not available", like `na`.
    if (typeof raw === 'number' && (p.na.includes(raw) || Number.isNaN(raw))) {
      if (LIST_FIELDS.has(p.field)) out[p.field] ??= [];
      continue;
    }
    const value = typeof raw === 'number' && (p.shift !== undefined || p.mask !== undefined) ? extract(raw, p) : raw;
    if (fieldKind(map.kind, p.field) === 'enum') {
      applyEnum(out, p, value, problems);
      continue;
    }
    if (out[p.field] !== undefined || typeof value !== 'number') continue;
    let scaled = value * p.scale;
    let exact = p.scale === 1 && p.offset === 0 && p.unitFactor === 1;
    if (p.scaleFactor !== undefined) {
      const sf = raws.get(p.scaleFactor);
      // A missing or "not implemented" (0x8000) scale factor makes the value meaningless.
      if (typeof sf !== 'number' || sf === -32768 || sf < -10 || sf > 10) continue;
      scaled *= 10 ** sf;
      exact &&= sf === 0;
    }
    scaled = (scaled + p.offset) * p.unitFactor;
    if (!Number.isFinite(scaled)) {
      problems.push({ reason: 'non_finite_value', detail: `${label(p)} decodes to ${scaled}`, fatal: false });
      continue;
    }
    // Scaling by decimal fractions (x0.01) leaves binary noise (51.230000000000004): round it off
    // at 12 significant digits, far below any sensor's resolution.
    out[p.field] = exact ? scaled : Number(scaled.toPrecision(12));
  }
  return map.kind === 'battery'
    ? { type: 'battery', battery: out as BatterySignals }
    : { type: 'charger', charger: out as ChargerSignals };
}

function applyEnum(out: Record<string, unknown>, p: MapPoint, value: number | string, problems: Problem[]): void {
  const field = p.field as string;
  const isList = LIST_FIELDS.has(field);
  const names: string[] = [];
  if (p.enumTable) {
    const key = typeof value === 'number' ? String(value) : value;
    const name = p.enumTable.get(key);
    if (name === undefined) {
      problems.push({ reason: 'unmapped_enum_value', detail: `${label(p)} value ${JSON.stringify(value)} has no enum entry`, fatal: false });
    } else if (name !== null) names.push(name);
  }
  if (p.bits && typeof value === 'number' && Number.isInteger(value)) {
    const big = BigInt(value);
    for (const [bit, name] of p.bits) if ((big >> BigInt(bit)) & 1n) names.push(name);
  }
  if (isList) {
    const list = (out[field] ??= []) as string[];
    for (const name of names) if (!list.includes(name)) list.push(name);
  } else if (out[field] === undefined && names[0] !== undefined) {
    out[field] = names[0];
  }
}

function extract(raw: number, p: MapPoint): number {
  let big = BigInt(Math.trunc(raw)) >> BigInt(p.shift ?? 0);
  if (p.mask !== undefined) big &= BigInt(p.mask);
  return Number(big);
}

function label(p: MapPoint): string {
  return `"${p.name}" (${p.table} ${p.address}${p.unitId !== undefined ? ` unit ${p.unitId}` : ''})`;
}
