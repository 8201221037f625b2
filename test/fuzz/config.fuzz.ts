/**
 * Agent config fuzzing: parseConfig (config/load.ts) on random text, random objects, the shipped
 * configs with random text edits, the shipped configs with random values at random keys, and random
 * EV_EDGE__ environment overrides. Property: it returns a config or throws ConfigError, and every
 * ConfigError message names the file (an operator must be able to find the broken line).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ConfigError, DEFAULT_CONFIG_YAML, parseConfig } from '../../config/load.js';
import { anyValue, mutated, onlyTyped, params } from './support.js';

const SHIPPED = [
  'config/ev-edge.example.yaml',
  'config/gateway.default.yaml',
  'drivers/can/example.yaml',
  'drivers/modbus/example.yaml',
  'drivers/serial/example.yaml',
].map((f) => readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8'));
const TEXTS = [DEFAULT_CONFIG_YAML, ...SHIPPED];
const YAML_ALPHABET = ' \n-:{},[]"\'#&*!|>0123456789.abcdefxyz_%~';

function parses(text: string, env: NodeJS.ProcessEnv = {}): void {
  const out = onlyTyped([ConfigError], () => parseConfig(text, 'fuzz.yaml', env));
  if (out instanceof ConfigError) {
    expect(out.problems.length).toBeGreaterThan(0);
    for (const p of out.problems) expect(p).toContain('fuzz.yaml');
  }
}

/** All paths to leaves (and containers) of a plain JS value. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1] as string | number] = value;
  return copy;
}

const OBJECTS = TEXTS.map((t) => parse(t) as unknown);
/** A shipped config with 1-4 values replaced by random ones (type confusion at every key). */
const leafEdited = fc.constantFrom(...OBJECTS).chain((obj) => {
  const all = paths(obj);
  return fc.array(fc.tuple(fc.constantFrom(...all), anyValue), { minLength: 1, maxLength: 4 }).map((edits) => edits.reduce((o, [p, v]) => {
    try {
      return setAt(o, p, v);
    } catch {
      return o; // an earlier edit removed the parent: skip this one
    }
  }, obj));
});

const envName = fc.array(fc.constantFrom('gateway', 'id', 'buffer', 'max_bytes', 'sinks', 'mqtt', 'devices', '0', 'http', 'listen', 'log', 'level', 'x'), { minLength: 1, maxLength: 4 }).map((p) => `EV_EDGE__${p.join('__').toUpperCase()}`);
const envValue = fc.oneof(fc.string({ maxLength: 12 }), fc.integer().map(String), fc.constantFrom('true', 'false', '1e999', '-0', '512MiB'));

describe('parseConfig: only ConfigError', () => {
  it('random text', () => fc.assert(fc.property(fc.string({ maxLength: 300 }), (t) => parses(t)), params(0.2)));
  it('random objects as YAML', () => fc.assert(fc.property(anyValue, (v) => parses(stringify(v) ?? '')), params(0.2)));
  it('shipped configs with random text edits', () => {
    fc.assert(fc.property(fc.constantFrom(...TEXTS).chain((t) => mutated(t, YAML_ALPHABET)), (t) => parses(t)), params(0.2));
  });
  it('shipped configs with random values at random keys', () => {
    fc.assert(fc.property(leafEdited, (o) => parses(stringify(o) ?? '')), params(0.3));
  });
  it('random environment overrides', () => {
    fc.assert(fc.property(fc.constantFrom(...TEXTS), fc.dictionary(envName, envValue, { maxKeys: 4 }), (t, env) => parses(t, env)), params(0.1));
  });
});
