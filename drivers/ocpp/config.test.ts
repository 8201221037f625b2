/** The ocpp block: the shipped example, the expansion into connector devices, and what is refused. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../config/load.js';

const here = dirname(fileURLToPath(import.meta.url));

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, 't.yaml');
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems;
  }
}

const entry = (ocpp: string, kind = 'charger') => `devices:\n  - id: e\n    kind: ${kind}\n    driver: ocpp\n    ocpp:\n${ocpp.replace(/^/gm, '      ')}\n`;
const cp = 'charge_points: [{ identity: CP1, password: aaaaaaaaaaaaaaaa }]';

describe('ocpp config', () => {
  it('expands the example into one device per connector, ids <identity>.<connector>', () => {
    const file = join(here, 'example.yaml');
    const config = parseConfig(readFileSync(file, 'utf8'), file);
    expect(config.devices.map((d) => d.id)).toEqual(['garage-1.1', 'garage-1.2', 'carport.1', 'depot-a.1']);
    expect(config.devices.every((d) => d.driver === 'ocpp' && d.kind === 'charger')).toBe(true);
    expect(config.devices[0]!.stale_after_ms).toBe((2 * 300 + 60) * 1000);
    expect(config.devices[3]!.ocpp).toMatchObject({ mode: 'central_system', listen: '0.0.0.0:8888', authorization_list: [{ id_tag: '04A2B3C4D5E6F7', status: 'Accepted' }, { id_tag: 'FLEET-0042', status: 'Accepted' }] });
  });

  it('refuses what cannot work, naming the place', () => {
    expect(problems(entry(`mode: proxy\nsecurity_profile: 1\n${cp}`))).toEqual(['t.yaml:6:7 devices[0].ocpp.csms: mode proxy needs csms.url']);
    expect(problems(entry(`mode: central_system\n${cp}`))).toEqual(['t.yaml:6:7 devices[0].ocpp.tls: security_profile 2 needs tls.cert_file and tls.key_file']);
    expect(problems(entry(`mode: central_system\nsecurity_profile: 1\ncharge_points: [{ identity: CP1 }]`))[0]).toMatch(/charge_points\[0\]\.password: security_profile 1 needs a password/);
    expect(problems(entry(`mode: central_system\nsecurity_profile: 0\ncharge_points: [{ identity: CP1 }, { identity: CP1 }]`))[0]).toMatch(/charge_points\[1\]\.identity: duplicate identity "CP1"/);
    expect(problems(entry(`mode: central_system\nsecurity_profile: 0\ncharge_points: [{ identity: "bad id" }]`))[0]).toMatch(/identity: expected 1-48 letters/);
    expect(problems(entry(`mode: central_system\nsecurity_profile: 0\ncharge_points: [{ identity: CP1 }]`, 'battery'))[0]).toMatch(/kind: driver "ocpp" reads chargers/);
    expect(problems(entry(`mode: proxy\nsecurity_profile: 1\ncsms: { url: "https://x/ocpp" }\n${cp}`))[0]).toMatch(/csms\.url/);
    expect(problems(entry(`mode: central_system\nsecurity_profile: 1\nprotocols: [ocpp2.0.1, ocpp2.1]\n${cp}`))[0]).toMatch(/protocols\[1\]: Invalid option/);
    expect(problems(entry(`mode: proxy\nsecurity_profile: 1\ncsms: { url: "wss://x/ocpp" }\n${cp}`))[0]).toMatch(/csms_password: a wss:\/\/ CSMS needs csms_password/);
  });

  it('catches a connector id that collides with another device', () => {
    const yaml = `${entry(`mode: central_system\nsecurity_profile: 0\ncharge_points: [{ identity: CP1 }]`)}  - { id: CP1.1, kind: charger, driver: simulator }\n`;
    expect(problems(yaml)[0]).toMatch(/duplicate device id "CP1\.1"/);
  });
});
