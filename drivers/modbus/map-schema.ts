/**
 * The register map file format (YAML), validated with zod, then cross-checked (references,
 * fields, units, enums) with every problem reported at once, each naming its entry.
 * See README.md in this folder for the format with examples.
 */
import { z } from 'zod';
import { TYPE_REGISTERS, VALUE_TYPES, isIntegerType } from './decode.js';
import { LIST_FIELDS, enumChoices, fieldKind, knownFields, unitFactor, unitsFor } from './fields.js';

export const TABLES = ['holding', 'input', 'coil', 'discrete'] as const;
export type Table = (typeof TABLES)[number];
const orderSchema = z.enum(['big', 'little']);
const u16 = z.number().int().min(0).max(65535);

const pointSchema = z.strictObject({
  /** Unique within the map; scale_factor refers to points by name. */
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'expected a name of letters, digits, "_", "." or "-"'),
  table: z.enum(TABLES).optional(),
  /** Protocol (0-based) address, relative to the map's base_address. */
  address: u16,
  type: z.enum(VALUE_TYPES),
  /** Registers; derived from the type when omitted, required for strings. */
  count: z.number().int().min(1).max(125).optional(),
  word_order: orderSchema.optional(),
  byte_order: orderSchema.optional(),
  /** physical = raw * scale * 10^(scale_factor register) + offset, then converted to the field unit. */
  scale: z.number().finite().refine((v) => v !== 0, 'scale 0 would erase every reading').default(1),
  offset: z.number().finite().default(0),
  scale_factor: z.string().optional(),
  /** For packed registers: (raw >> shift) & mask, applied before enum/bits/scale. */
  shift: z.number().int().min(0).max(63).optional(),
  mask: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  /** Raw values that mean "not available" (SunSpec 0x8000/0xFFFF, Alfen NaN 0xFFFF). */
  na: z.union([z.number(), z.array(z.number())]).optional(),
  unit: z.string().optional(),
  field: z.string().optional(),
  /** Raw value (or string) -> name; null means "this value says nothing" (the next point decides). */
  enum: z.record(z.string(), z.string().nullable()).optional(),
  /** Bit number (0 = least significant) -> name, for errorCodes / alarmFlags. */
  bits: z.record(z.string().regex(/^\d{1,2}$/, 'expected a bit number 0-63'), z.string()).optional(),
  /** The poll fails with 'unexpected_value' unless the raw value equals this (e.g. SunSpec model id). */
  expect: z.number().optional(),
  /** Read this point from another unit id than the device's (Alfen station registers: 200). */
  unit_id: z.number().int().min(0).max(255).optional(),
});

export const mapFileSchema = z.strictObject({
  name: z.string().min(1),
  kind: z.enum(['battery', 'charger']),
  description: z.string().optional(),
  /** Where the registers come from (document, version); shown by the README and in errors. */
  source: z.string().optional(),
  /** Added to every point address; a device may override it (SunSpec models move). */
  base_address: u16.default(0),
  /**
   * SunSpec model id: unless the device sets base_address, the driver finds the model by walking
   * the device's SunSpec model chain ('SunS' at 40000, 50000 or 0) and uses its start as base.
   */
  sunspec_model: z.number().int().min(1).max(65534).optional(),
  table: z.enum(TABLES).default('holding'),
  word_order: orderSchema.default('big'),
  byte_order: orderSchema.default('big'),
  points: z.array(pointSchema).min(1, 'a map needs at least one point'),
});
export type MapFile = z.infer<typeof mapFileSchema>;
export type MapFilePoint = MapFile['points'][number];

/** Semantic checks zod cannot express per field. Returns problems as [point index, message]. */
export function crossCheck(map: MapFile): Array<[number, string]> {
  const problems: Array<[number, string]> = [];
  const byName = new Map<string, number>();
  map.points.forEach((p, i) => {
    if (byName.has(p.name)) problems.push([i, `duplicate name (also points[${byName.get(p.name)}])`]);
    else byName.set(p.name, i);
  });
  map.points.forEach((p, i) => {
    const say = (message: string) => problems.push([i, message]);
    const table = p.table ?? map.table;
    const bitTable = table === 'coil' || table === 'discrete';
    if (bitTable !== (p.type === 'bool')) say(`type ${p.type} does not fit table ${table} (bits are type bool)`);
    if (p.type === 'string') {
      if (p.count === undefined) say('a string needs count (registers)');
    } else {
      const size = TYPE_REGISTERS[p.type];
      if (p.count !== undefined && p.count !== size) say(`count ${p.count} does not match ${p.type} (${size})`);
    }
    const count = p.type === 'string' ? (p.count ?? 1) : TYPE_REGISTERS[p.type];
    if (map.base_address + p.address + count > 65536) say('address + count runs past register 65535');
    if ((p.shift !== undefined || p.mask !== undefined) && !isIntegerType(p.type)) say('shift/mask need an integer type');
    if (p.scale_factor !== undefined) {
      const ref = byName.get(p.scale_factor);
      if (ref === undefined) say(`scale_factor "${p.scale_factor}" is not a point of this map`);
      else if (map.points[ref]?.type !== 'int16') say(`scale_factor "${p.scale_factor}" must be an int16 point`);
    }
    if (p.field === undefined) {
      if (p.enum || p.bits) say('enum/bits without a field');
      return;
    }
    const kind = fieldKind(map.kind, p.field);
    if (kind === undefined) {
      say(`field "${p.field}" is not a ${map.kind} field (one of: ${knownFields(map.kind).join(', ')})`);
      return;
    }
    if (kind === 'numeric') {
      if (p.enum || p.bits) say(`field ${p.field} is numeric: enum/bits do not apply`);
      if (p.type === 'string') say(`field ${p.field} is numeric: a string cannot feed it`);
      if (unitFactor(map.kind, p.field, p.unit) === undefined) {
        say(`unit "${p.unit}" does not fit field ${p.field} (use one of: ${unitsFor(map.kind, p.field).join(', ')})`);
      }
      return;
    }
    if (!p.enum && !p.bits) say(`field ${p.field} needs an enum or bits table`);
    if (p.bits && !LIST_FIELDS.has(p.field)) say(`bits only feed list fields (${[...LIST_FIELDS].join(', ')})`);
    if (p.bits && !isIntegerType(p.type)) say('bits need an integer type');
    if (p.scale !== 1 || p.offset !== 0 || p.scale_factor) say(`field ${p.field} is an enum: scale/offset do not apply`);
    const choices = enumChoices(map.kind, p.field);
    const names = [...Object.values(p.enum ?? {}), ...Object.values(p.bits ?? {})];
    for (const name of names) {
      if (name === null) continue;
      if (choices === 'any' ? !/^[a-z][a-z0-9_]*$/.test(name) : !choices.includes(name)) {
        say(`"${name}" is not a valid ${p.field} value (${choices === 'any' ? 'snake_case name' : choices.join(', ')})`);
      }
    }
    if (p.type !== 'string') {
      for (const key of Object.keys(p.enum ?? {})) {
        if (!Number.isFinite(Number(key))) say(`enum key "${key}" is not a number (type ${p.type})`);
      }
    }
  });
  return problems;
}
