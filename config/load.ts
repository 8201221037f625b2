/**
 * Loading: YAML text -> environment overrides -> schema. Every problem is collected and reported
 * at once, each as "FILE:LINE:COL path: what was expected", so an operator fixes a broken file in
 * one pass rather than one error per restart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { configSchema, type AgentConfig } from './schema.js';

export class ConfigError extends Error {
  readonly code = 'EV_EDGE_CONFIG';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.length} configuration error(s):\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Secrets and endpoints come from the environment: EV_EDGE__SINKS__MQTT__PASSWORD=... sets sinks.mqtt.password. */
export const ENV_PREFIX = 'EV_EDGE__';
/** The credential ID systemd/ev-edge.service loads /etc/ev-edge/credentials under. */
const CREDENTIAL_FOLDER_PREFIX = 'ev-edge_';

export function envOverrides(env: NodeJS.ProcessEnv): Array<{ path: string[]; value: unknown; name: string }> {
  const out: Array<{ path: string[]; value: unknown; name: string }> = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).toLowerCase().split('__').filter((p) => p.length > 0);
    if (path.length > 0) out.push({ path, value: coerceEnvValue(raw), name });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Numbers and booleans in the environment become typed; everything else stays a string. */
function coerceEnvValue(raw: string): unknown {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return raw;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function positionOf(doc: Document, lines: LineCounter, path: PropertyKey[], unknownKey = false): string {
  if (unknownKey) {
    // Point at the offending key itself, not at its value.
    const parent = doc.getIn(path.slice(0, -1) as Array<string | number>, true);
    const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1]) : undefined;
    if (pair && isScalar(pair.key) && pair.key.range) {
      const { line, col } = lines.linePos(pair.key.range[0]);
      return `${line}:${col}`;
    }
  }
  // Walk down as far as the document goes: an unknown or missing key points at its parent.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as Array<string | number>, true);
    if ((isScalar(node) || isMap(node) || isSeq(node)) && node.range) {
      const { line, col } = lines.linePos(node.range[0]);
      return `${line}:${col}`;
    }
  }
  return '';
}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '') || '(root)';
}

/** Parse and validate config text. `file` names the source in messages. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = {}): AgentConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const problems: string[] = doc.errors.map((e) => {
    const pos = e.linePos?.[0];
    const message = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    return `${file}:${pos ? `${pos.line}:${pos.col}` : '?'} YAML syntax: ${message}`;
  });
  if (problems.length > 0) throw new ConfigError(file, problems);

  let raw: unknown;
  try {
    raw = doc.toJS() ?? {};
  } catch (err) {
    // e.g. an alias whose anchor does not exist ("*gw"): parseDocument accepts it, toJS() throws
    // (found by fuzzing). Point at the first alias that does not resolve.
    let where = '?';
    visit(doc, {
      Alias(_, alias) {
        if (alias.resolve(doc) !== undefined || !alias.range) return undefined;
        const { line, col } = lines.linePos(alias.range[0]);
        where = `${line}:${col}`;
        return visit.BREAK;
      },
    });
    throw new ConfigError(file, [`${file}:${where} YAML: ${(err as Error).message}`]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(file, [`${file}:1:1 (root): expected a mapping of settings`]);
  }
  for (const override of envOverrides(env)) setPath(raw as Record<string, unknown>, override.path, override.value);

  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    for (const path of keys) {
      const where = positionOf(doc, lines, path, issue.code === 'unrecognized_keys');
      const message = issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message;
      problems.push(`${file}${where ? `:${where}` : ''} ${formatPath(path)}: ${message}`);
    }
  }
  throw new ConfigError(file, problems);
}

/**
 * systemd credentials (LoadCredential=NAME:PATH) arrive as files in $CREDENTIALS_DIRECTORY. A file
 * named like an override (EV_EDGE__SINKS__MQTT__PASSWORD, or ev-edge_EV_EDGE__... when the unit
 * loads the credentials folder as a whole) is applied as that override, so secrets
 * never sit in the config file or the unit's environment. The environment wins on a clash.
 */
export function withCredentials(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const dir = env.CREDENTIALS_DIRECTORY;
  if (!dir) return env;
  const merged: NodeJS.ProcessEnv = {};
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new ConfigError(dir, [`${dir}: cannot read systemd credentials: ${(err as Error).message}`]);
  }
  for (const name of names) {
    // LoadCredential=ID:/a/folder names each file's credential ID_FILENAME: the unit loads
    // /etc/ev-edge/credentials that way, so an "ev-edge_" prefix is dropped.
    const key = name.startsWith(CREDENTIAL_FOLDER_PREFIX) ? name.slice(CREDENTIAL_FOLDER_PREFIX.length) : name;
    if (key.startsWith(ENV_PREFIX)) merged[key] = readFileSync(join(dir, name), 'utf8').replace(/\r?\n$/, '');
  }
  return { ...merged, ...env };
}

/** Load a config file, or the built-in default when `file` is undefined. */
export function loadConfig(file: string | undefined, rawEnv: NodeJS.ProcessEnv = process.env): AgentConfig {
  const env = withCredentials(rawEnv);
  if (file === undefined) return parseConfig(DEFAULT_CONFIG_YAML, '(built-in default)', env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`${file}: cannot read: ${(err as Error).message}`]);
  }
  return parseConfig(text, file, env);
}

/**
 * What runs with no config file: one simulated pack and one simulated charger on the demo clock
 * (a simulated day every 5 minutes, records stamped with simulated time and marked timeBase 'demo'),
 * so a first run shows a day of ageing, scoring and alarms in minutes.
 */
export const DEFAULT_CONFIG_YAML = `
scoring: { enabled: true }
devices:
  - id: sim-pack-1
    kind: battery
    driver: simulator
    simulator: { chemistry: nmc, cells_series: 16, capacity_ah: 100, seed: 1, acceleration: 288, demo_clock: true }
  - id: sim-charger-1
    kind: charger
    driver: simulator
    simulator: { seed: 2, acceleration: 288, demo_clock: true }
`;
