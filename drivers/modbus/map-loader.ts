/**
 * Loads a register map (a shipped one by name, or a YAML file by path), validates it and compiles
 * it into the form the planner and the record builder use. All problems are reported together in
 * one ModbusMapError naming the file and each entry (`points[3] "V" (holding 40104)`).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { DeviceKind } from '../../core/record.js';
import { TYPE_REGISTERS, type Order, type ValueType } from './decode.js';
import { ModbusMapError } from './errors.js';
import { unitFactor } from './fields.js';
import { crossCheck, mapFileSchema, type MapFile, type Table } from './map-schema.js';

export interface MapPoint {
  name: string;
  table: Table;
  /** Absolute protocol address (base_address applied). */
  address: number;
  count: number;
  type: ValueType;
  wordOrder: Order;
  byteOrder: Order;
  scale: number;
  offset: number;
  scaleFactor?: string;
  shift?: number;
  mask?: number;
  na: number[];
  field?: string;
  /** Stated unit -> field unit. */
  unitFactor: number;
  enumTable?: Map<string, string | null>;
  bits?: Array<[number, string]>;
  expect?: number;
  unitId?: number;
}

export interface RegisterMap {
  name: string;
  kind: DeviceKind;
  /** The file it came from, for messages. */
  file: string;
  source?: string;
  baseAddress: number;
  /** Set for SunSpec maps: the model id the base address can be discovered by. */
  sunspecModel?: number;
  points: MapPoint[];
}

const here = dirname(fileURLToPath(import.meta.url));
/** Shipped maps live beside the sources; the compiled build (dist/) looks back into the tree. */
const MAP_DIRS = [join(here, 'maps'), resolve(here, '../../../drivers/modbus/maps')];

export function builtinMapNames(): string[] {
  const dir = MAP_DIRS.find((d) => existsSync(d));
  if (!dir) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
}

/** A bare name (no "/" and no .yaml/.yml) is a shipped map; anything else is a path. */
export function resolveMapPath(ref: string): string {
  if (ref.includes('/') || /\.ya?ml$/.test(ref)) return resolve(ref);
  for (const dir of MAP_DIRS) {
    const file = join(dir, `${ref}.yaml`);
    if (existsSync(file)) return file;
  }
  throw new ModbusMapError(ref, [`no shipped map named "${ref}" (shipped: ${builtinMapNames().join(', ')})`]);
}

export interface LoadOptions {
  /** Replaces the map's base_address (where a SunSpec model starts on this device). */
  baseAddress?: number;
}

export function loadRegisterMap(ref: string, options: LoadOptions = {}): RegisterMap {
  const file = resolveMapPath(ref);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ModbusMapError(file, [`cannot read: ${(error as Error).message}`]);
  }
  return parseRegisterMap(text, file, options);
}

/** Pure: YAML text in, compiled map out (or ModbusMapError naming `file`). */
export function parseRegisterMap(text: string, file: string, options: LoadOptions = {}): RegisterMap {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new ModbusMapError(file, [`invalid YAML: ${(error as Error).message}`]);
  }
  const parsed = mapFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${entryName(raw, issue.path)}: ${issue.message}`);
    throw new ModbusMapError(file, problems);
  }
  const map: MapFile = { ...parsed.data, base_address: options.baseAddress ?? parsed.data.base_address };
  const problems = crossCheck(map).map(([i, message]) => `${pointLabel(map, i)}: ${message}`);
  if (problems.length > 0) throw new ModbusMapError(file, problems);
  return compile(map, file);
}

function compile(map: MapFile, file: string): RegisterMap {
  const points = map.points.map((p): MapPoint => {
    const point: MapPoint = {
      name: p.name,
      table: p.table ?? map.table,
      address: map.base_address + p.address,
      count: p.type === 'string' ? (p.count ?? 1) : TYPE_REGISTERS[p.type],
      type: p.type,
      wordOrder: p.word_order ?? map.word_order,
      byteOrder: p.byte_order ?? map.byte_order,
      scale: p.scale,
      offset: p.offset,
      na: p.na === undefined ? [] : Array.isArray(p.na) ? p.na : [p.na],
      unitFactor: p.field ? (unitFactor(map.kind, p.field, p.unit) ?? 1) : 1,
    };
    if (p.scale_factor !== undefined) point.scaleFactor = p.scale_factor;
    if (p.shift !== undefined) point.shift = p.shift;
    if (p.mask !== undefined) point.mask = p.mask;
    if (p.field !== undefined) point.field = p.field;
    if (p.enum) point.enumTable = new Map(Object.entries(p.enum));
    if (p.bits) point.bits = Object.entries(p.bits).map(([bit, name]) => [Number(bit), name]);
    if (p.expect !== undefined) point.expect = p.expect;
    if (p.unit_id !== undefined) point.unitId = p.unit_id;
    return point;
  });
  const out: RegisterMap = { name: map.name, kind: map.kind, file, baseAddress: map.base_address, points };
  if (map.source !== undefined) out.source = map.source;
  if (map.sunspec_model !== undefined) out.sunspecModel = map.sunspec_model;
  return out;
}

function pointLabel(map: MapFile, index: number): string {
  const p = map.points[index];
  if (!p) return `points[${index}]`;
  return `points[${index}] "${p.name}" (${p.table ?? map.table} ${map.base_address + p.address})`;
}

/** `points[3] "V" scale` from a zod path, using the raw document for the point's name. */
function entryName(raw: unknown, path: PropertyKey[]): string {
  if (path[0] === 'points' && typeof path[1] === 'number') {
    const point = (raw as { points?: Array<{ name?: unknown; address?: unknown }> }).points?.[path[1]];
    const name = typeof point?.name === 'string' ? ` "${point.name}"` : '';
    const rest = path.slice(2).map(String).join('.');
    return `points[${path[1]}]${name}${rest ? ` ${rest}` : ''}`;
  }
  return path.length > 0 ? path.map(String).join('.') : '(top level)';
}
