/**
 * Modbus fuzzing: the register-map loader (random YAML text, random objects, structurally valid
 * maps with random field values, edited shipped maps) must return a map or throw ModbusMapError;
 * decodeValue must return or throw ModbusDecodeError; decoding a poll of random words through every
 * shipped map (decodePoints + buildBody) must never throw and never yield a non-finite number.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { VALUE_TYPES, decodeValue } from '../../drivers/modbus/decode.js';
import { ModbusDecodeError, ModbusMapError } from '../../drivers/modbus/errors.js';
import { knownFields } from '../../drivers/modbus/fields.js';
import { builtinMapNames, loadRegisterMap, parseRegisterMap, resolveMapPath } from '../../drivers/modbus/map-loader.js';
import { planRequests } from '../../drivers/modbus/planner.js';
import { buildBody, decodePoints, type Problem } from '../../drivers/modbus/signals.js';
import { anyValue, mutated, onlyTyped, params } from './support.js';

const MAPS = builtinMapNames();
const MAP_TEXTS = MAPS.map((m) => readFileSync(resolveMapPath(m), 'utf8'));
const YAML_ALPHABET = ' \n-:{},[]"\'#&*!|>0123456789.abcdefxyz_%';

const loads = (text: string) => onlyTyped([ModbusMapError], () => parseRegisterMap(text, 'fuzz.yaml'));

/** Points whose keys are right and whose values are random but plausible, to get past the schema. */
const point = fc.record(
  {
    name: fc.oneof(fc.constantFrom('a', 'b', 'sf', 'V'), fc.string({ maxLength: 6 })),
    table: fc.constantFrom('holding', 'input', 'coil', 'discrete'),
    address: fc.oneof(fc.nat({ max: 65535 }), fc.integer()),
    type: fc.constantFrom(...VALUE_TYPES),
    count: fc.integer({ min: -1, max: 130 }),
    word_order: fc.constantFrom('big', 'little'),
    byte_order: fc.constantFrom('big', 'little'),
    scale: fc.oneof(fc.double(), fc.constantFrom(0.1, 0.01, 1)),
    offset: fc.double({ noNaN: true }),
    scale_factor: fc.constantFrom('a', 'b', 'sf', 'missing'),
    shift: fc.integer({ min: -1, max: 70 }),
    mask: fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER + 2)),
    na: fc.oneof(fc.integer(), fc.array(fc.double(), { maxLength: 3 })),
    unit: fc.constantFrom('V', 'A', 'mV', 'kW', 'W', '%', 'C', 'K', 'Ah', 'Wh', 'kWh', 'x'),
    field: fc.constantFrom(...knownFields('battery'), ...knownFields('charger'), 'nope'),
    enum: fc.dictionary(fc.string({ maxLength: 3 }), fc.option(fc.string({ maxLength: 5 }), { nil: null }), { maxKeys: 3 }),
    bits: fc.dictionary(fc.oneof(fc.integer({ min: 0, max: 99 }).map(String), fc.string({ maxLength: 2 })), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
    expect: fc.double(),
    unit_id: fc.integer({ min: -1, max: 256 }),
  },
  { requiredKeys: ['name', 'address', 'type'] },
);
const mapObject = fc.record(
  {
    name: fc.string({ maxLength: 8 }),
    kind: fc.constantFrom('battery', 'charger', 'inverter'),
    base_address: fc.integer({ min: -1, max: 70000 }),
    sunspec_model: fc.integer({ min: 0, max: 70000 }),
    table: fc.constantFrom('holding', 'input', 'coil', 'discrete'),
    word_order: fc.constantFrom('big', 'little'),
    byte_order: fc.constantFrom('big', 'little'),
    points: fc.array(point, { maxLength: 6 }),
  },
  { requiredKeys: ['name', 'kind', 'points'] },
);

describe('register map loader: only ModbusMapError', () => {
  it('random text', () => fc.assert(fc.property(fc.string({ maxLength: 300 }), (t) => void loads(t)), params(0.2)));
  it('random objects as YAML', () => fc.assert(fc.property(anyValue, (v) => void loads(stringify(v) ?? '')), params(0.2)));
  it('well-shaped maps with random values', () => fc.assert(fc.property(mapObject, (m) => void loads(stringify(m) ?? '')), params(0.3)));
  it('shipped maps with random edits', () => {
    const arb = fc.constantFrom(...MAP_TEXTS).chain((t) => mutated(t, YAML_ALPHABET));
    fc.assert(fc.property(arb, (t) => void loads(t)), params(0.3));
  });
});

describe('decodeValue: only ModbusDecodeError', () => {
  it('random words, positions, types, counts and orders', () => {
    const word = fc.oneof(fc.nat({ max: 65535 }), fc.integer(), fc.double(), fc.constant(NaN));
    const order = fc.constantFrom('big' as const, 'little' as const);
    fc.assert(
      fc.property(fc.array(word, { maxLength: 10 }), fc.integer({ min: -2, max: 12 }), fc.constantFrom(...VALUE_TYPES), fc.integer({ min: -1, max: 12 }), order, order, (words, at, type, count, wo, bo) => {
        const out = onlyTyped([ModbusDecodeError], () => decodeValue(words, at, type, count, wo, bo));
        if (typeof out === 'number' && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 65535) && type !== 'float32' && type !== 'float64') {
          expect(Number.isFinite(out)).toBe(true);
        }
      }),
      params(),
    );
  });
});

function checkFinite(value: unknown): void {
  if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
  else if (Array.isArray(value)) value.forEach(checkFinite);
  else if (value !== null && typeof value === 'object') Object.values(value).forEach(checkFinite);
}

describe('a poll of random registers through every shipped map never throws', () => {
  for (const name of MAPS) {
    it(name, () => {
      const map = loadRegisterMap(name);
      const requests = planRequests(map.points);
      const words = (n: number, bits: boolean) => fc.array(bits ? fc.nat({ max: 1 }) : fc.nat({ max: 65535 }), { minLength: n, maxLength: n });
      const results = fc.tuple(
        ...requests.map((r) => fc.option(words(r.count, r.table === 'coil' || r.table === 'discrete'), { nil: undefined, freq: 8 })),
      );
      fc.assert(
        fc.property(results, (res) => {
          const problems: Problem[] = [];
          const raws = onlyTyped([], () => decodePoints(requests, res, problems));
          if (raws instanceof Error) throw raws;
          const body = onlyTyped([], () => buildBody(map, raws, problems));
          checkFinite(body);
        }),
        params(1 / MAPS.length),
      );
    });
  }
});
