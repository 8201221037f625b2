import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { enabledSinkNames } from '../sync/config.js';
import { ConfigError, DEFAULT_CONFIG_YAML, loadConfig, parseConfig } from './load.js';

function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(text, 'test.yaml', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('the built-in default runs one simulated pack and one simulated charger on 127.0.0.1:9100', () => {
    const config = loadConfig(undefined, {});
    expect(config.devices.map((d) => [d.id, d.kind, d.driver])).toEqual([
      ['sim-pack-1', 'battery', 'simulator'],
      ['sim-charger-1', 'charger', 'simulator'],
    ]);
    expect(config.http.listen).toBe('127.0.0.1:9100');
    expect(config.data_dir).toBe('./data');
    expect(config.buffer.synchronous).toBe('full');
    expect(DEFAULT_CONFIG_YAML).toContain('sim-pack-1');
  });

  it('the documented example file is valid, and runs no sink until a block is uncommented', () => {
    const config = loadConfig(new URL('./ev-edge.example.yaml', import.meta.url).pathname, {});
    expect(config.devices.length).toBeGreaterThan(0);
    expect(enabledSinkNames(config.sinks)).toEqual([]);
  });

  it("the example's commented sink blocks are valid once uncommented, and then each one runs", () => {
    const text = readFileSync(new URL('./ev-edge.example.yaml', import.meta.url), 'utf8');
    const lines = text.split('\n');
    const from = lines.indexOf('#sinks:');
    const to = lines.findIndex((line, i) => i > from && !line.startsWith('#'));
    expect(from).toBeGreaterThan(0);
    const uncommented = [...lines.slice(0, from).filter((l) => l !== 'sinks: {}'), ...lines.slice(from, to).map((l) => l.slice(1)), ...lines.slice(to)].join('\n');
    const config = parseConfig(uncommented, 'ev-edge.example.yaml (sinks uncommented)', {});
    expect(enabledSinkNames(config.sinks)).toEqual(['timescale', 'mqtt', 'kafka']);
  });

  it('reports every problem at once, each with line, column and path', () => {
    const problems = problemsOf(
      [
        'gateway:',
        '  id: "bad id with spaces"',
        'buffer:',
        '  max_bytes: lots',
        '  synchronous: sometimes',
        'devices:',
        '  - id: p1',
        '    kind: toaster',
        '    driver: simulator',
        '    colour: red',
      ].join('\n'),
    );
    expect(problems).toEqual([
      'test.yaml:2:7 gateway.id: expected 1-64 letters, digits, ".", "_" or "-"',
      'test.yaml:4:14 buffer.max_bytes: expected a size such as 512MiB or 2GB, got "lots"',
      expect.stringMatching(/^test\.yaml:5:16 buffer\.synchronous: .*"full".*"normal"/),
      expect.stringMatching(/^test\.yaml:8:11 devices\[0\]\.kind: .*"battery".*"charger"/),
      'test.yaml:10:5 devices[0].colour: unknown key',
    ]);
  });

  it('names unknown top-level keys and wrong types', () => {
    expect(problemsOf('gateway_id: x\nhttp:\n  listen: 9100\n')).toEqual([
      'test.yaml:3:11 http.listen: Invalid input: expected string, received number',
      'test.yaml:1:1 gateway_id: unknown key',
    ]);
    expect(problemsOf('devices: {}\n')).toEqual([expect.stringMatching(/^test\.yaml:1:10 devices: .*expected array/)]);
  });

  it('reports YAML syntax errors with their position', () => {
    const problems = problemsOf('devices:\n  - id: a\n   kind: battery\n');
    expect(problems[0]).toMatch(/^test\.yaml:3:\d+ YAML syntax: /);
  });

  it('names an alias without its anchor as a config error with its position', () => {
    expect(problemsOf('gateway: { id: *gw }\n')).toEqual([expect.stringMatching(/^test\.yaml:1:16 YAML: .*gw/)]);
  });

  it('rejects duplicate device ids, bad cron expressions and a driver without its block', () => {
    const problems = problemsOf(
      [
        'housekeeping:',
        '  compaction_cron: "every five minutes"',
        'devices:',
        '  - { id: a, kind: battery, driver: simulator }',
        '  - { id: a, kind: charger, driver: simulator }',
        '  - { id: b, kind: battery, driver: modbus }',
      ].join('\n'),
    );
    expect(problems).toContain('test.yaml:2:20 housekeeping.compaction_cron: expected a cron expression such as "*/5 * * * *" (expected 5 or 6 fields but got 3)');
    expect(problems).toContain('test.yaml:5:11 devices[1].id: duplicate device id "a" (also devices[0])');
    expect(problems).toContain('test.yaml:6:5 devices[2].modbus: driver "modbus" needs a "modbus:" block with its settings');
  });

  it('takes the failure_pack horizon from scoring.failure_pack.horizon_days, within the trained 1-30 days', () => {
    expect(loadConfig(undefined, {}).scoring.failure_pack.horizon_days).toBe(30);
    expect(parseConfig('scoring:\n  failure_pack: { horizon_days: 7 }\n', 'test.yaml', {}).scoring.failure_pack.horizon_days).toBe(7);
    const range = 'expected 1 to 30 days, the horizons failure_pack was trained for (models/failure_pack.card.json)';
    expect(problemsOf('scoring:\n  failure_pack:\n    horizon_days: 45\n')).toEqual([`test.yaml:3:19 scoring.failure_pack.horizon_days: ${range}`]);
    expect(problemsOf('scoring:\n  failure_pack:\n    horizon_days: 0.5\n')).toEqual([`test.yaml:3:19 scoring.failure_pack.horizon_days: ${range}`]);
    expect(problemsOf('scoring:\n  failure_pack:\n    horizon_days: weekly\n')).toEqual([
      'test.yaml:3:19 scoring.failure_pack.horizon_days: Invalid input: expected number, received string',
    ]);
    expect(problemsOf('scoring:\n  failure_pack: { horizon: 7 }\n')).toEqual(['test.yaml:2:19 scoring.failure_pack.horizon: unknown key']);
  });

  it('applies EV_EDGE__ environment overrides (secrets, endpoints) before validation', () => {
    const config = parseConfig('gateway: { id: from-file }\n', 'test.yaml', {
      EV_EDGE__GATEWAY__ID: 'from-env',
      EV_EDGE__HTTP__LISTEN: '0.0.0.0:9200',
      EV_EDGE__BUFFER__FLUSH_INTERVAL_MS: '50',
    });
    expect(config.gateway.id).toBe('from-env');
    expect(config.http.listen).toBe('0.0.0.0:9200');
    expect(config.buffer.flush_interval_ms).toBe(50);
    expect(problemsOf('', { EV_EDGE__BUFFER__SYNCHRONOUS: 'maybe' })[0]).toMatch(/buffer\.synchronous/);
  });

  it('reads systemd credentials named like overrides from $CREDENTIALS_DIRECTORY', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ev-edge-creds-'));
    writeFileSync(join(dir, 'EV_EDGE__HTTP__TOKEN'), 'from-credential-file\n');
    writeFileSync(join(dir, 'unrelated'), 'ignored');
    expect(loadConfig(undefined, { CREDENTIALS_DIRECTORY: dir }).http.token).toBe('from-credential-file');
    // The unit loads /etc/ev-edge/credentials as one folder: systemd prefixes each file's name with the ID.
    rmSync(join(dir, 'EV_EDGE__HTTP__TOKEN'));
    writeFileSync(join(dir, 'ev-edge_EV_EDGE__HTTP__TOKEN'), 'from-credential-folder\n');
    expect(loadConfig(undefined, { CREDENTIALS_DIRECTORY: dir }).http.token).toBe('from-credential-folder');
    // The environment wins over a credential file.
    expect(loadConfig(undefined, { CREDENTIALS_DIRECTORY: dir, EV_EDGE__HTTP__TOKEN: 'from-environment' }).http.token).toBe('from-environment');
  });

  it('names an unreadable file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ev-edge-config-'));
    expect(() => loadConfig(join(dir, 'missing.yaml'), {})).toThrow(/missing\.yaml: cannot read/);
    writeFileSync(join(dir, 'list.yaml'), '- a\n- b\n');
    expect(() => loadConfig(join(dir, 'list.yaml'), {})).toThrow(/expected a mapping of settings/);
  });
});
