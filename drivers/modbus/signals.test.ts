import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OCPP_CONNECTOR_STATUSES, OCPP_ERROR_CODES } from '../../core/record.js';
import { builtinMapNames, loadRegisterMap, parseRegisterMap } from './map-loader.js';
import { planRequests } from './planner.js';
import { buildBody, decodePoints, type Problem } from './signals.js';

/** Decode a map against a sparse register image {address: word}. */
function read(yaml: string, image: Record<number, number>) {
  const map = parseRegisterMap(yaml, 'test.yaml');
  const requests = planRequests(map.points, { maxGap: 125 });
  const words = requests.map((r) => Array.from({ length: r.count }, (_, i) => image[r.start + i] ?? 0));
  const problems: Problem[] = [];
  const raws = decodePoints(requests, words, problems);
  return { body: buildBody(map, raws, problems), problems };
}

describe('buildBody', () => {
  it('applies SunSpec scale-factor registers, sign flips and not-implemented markers', () => {
    const yaml = `name: t\nkind: battery\npoints:
  - { name: V, address: 0, type: uint16, scale_factor: V_SF, na: 65535, field: packVoltageV, unit: V }
  - { name: A, address: 1, type: int16, scale_factor: A_SF, scale: -1, na: -32768, field: packCurrentA }
  - { name: SoC, address: 2, type: uint16, scale_factor: SoC_SF, na: 65535, field: socPct, unit: '%' }
  - { name: V_SF, address: 3, type: int16 }
  - { name: A_SF, address: 4, type: int16 }
  - { name: SoC_SF, address: 5, type: int16 }
`;
    // 3875 x 10^-1 V; raw -123 x 10^-2 = -1.23 A (SunSpec: charging) -> +1.23 A canonical; SoC not implemented.
    const { body, problems } = read(yaml, { 0: 3875, 1: 0x10000 - 123, 2: 0xffff, 3: 0xffff, 4: 0xfffe, 5: 0 });
    expect(problems).toEqual([]);
    expect(body).toEqual({ type: 'battery', battery: { packVoltageV: 387.5, packCurrentA: 1.23 } });
  });

  it('drops a value whose scale factor is "not implemented" (0x8000)', () => {
    const yaml = `name: t\nkind: battery\npoints:\n  - { name: V, address: 0, type: uint16, scale_factor: V_SF, field: packVoltageV }\n  - { name: V_SF, address: 1, type: int16 }\n`;
    expect(read(yaml, { 0: 3875, 1: 0x8000 }).body).toEqual({ type: 'battery', battery: {} });
  });

  it('converts stated units into the field unit and rounds off decimal-scale noise', () => {
    const yaml = `name: t\nkind: charger\npoints:
  - { name: e, address: 0, type: uint32, scale: 0.01, unit: kWh, field: sessionEnergyWh }
  - { name: up, address: 2, type: uint32, scale: 0.001, unit: s, field: uptimeS }
`;
    const { body } = read(yaml, { 0: 0, 1: 1234, 2: 0, 3: 5123 });
    expect(body).toEqual({ type: 'charger', charger: { sessionEnergyWh: 12340, uptimeS: 5.123 } });
  });

  it('maps enums with precedence (first value wins, null defers) and collects bits into lists', () => {
    const yaml = `name: t\nkind: charger\npoints:
  - { name: avail, address: 0, type: uint16, field: connectorStatus, enum: { 0: Unavailable, 1: null } }
  - { name: state, address: 1, type: uint16, shift: 8, mask: 15, field: connectorStatus, enum: { 4: Charging, 0: Available } }
  - { name: err, address: 2, type: uint16, field: errorCodes, bits: { 1: GroundFailure, 2: GroundFailure, 7: HighTemperature } }
  - { name: err2, address: 3, type: uint16, field: errorCodes, enum: { 0: null, 13: OverVoltage } }
`;
    expect(read(yaml, { 0: 1, 1: 0x0401, 2: 0b110, 3: 13 }).body).toEqual({
      type: 'charger', charger: { connectorStatus: 'Charging', errorCodes: ['GroundFailure', 'OverVoltage'] },
    });
    expect(read(yaml, { 0: 0, 1: 0x0401, 2: 0x80, 3: 0 }).body).toEqual({
      type: 'charger', charger: { connectorStatus: 'Unavailable', errorCodes: ['HighTemperature'] },
    });
    expect(read(yaml, { 0: 1, 1: 0, 2: 0, 3: 0 }).body).toEqual({ type: 'charger', charger: { connectorStatus: 'Available', errorCodes: [] } });
  });

  it('maps string enums (IEC 61851 Mode 3 states)', () => {
    const yaml = `name: t\nkind: charger\npoints:\n  - { name: m3, address: 0, type: string, count: 2, field: connectorStatus, enum: { C2: Charging, A: Available } }\n`;
    expect(read(yaml, { 0: 0x4332, 1: 0 }).body).toEqual({ type: 'charger', charger: { connectorStatus: 'Charging' } });
    const { body, problems } = read(yaml, { 0: 0x5a5a, 1: 0 });
    expect(body).toEqual({ type: 'charger', charger: {} });
    expect(problems).toMatchObject([{ reason: 'unmapped_enum_value', fatal: false }]);
    expect(problems[0]?.detail).toContain('"ZZ"');
  });

  it('skips float NaN ("not available") silently and reports infinities', () => {
    const yaml = `name: t\nkind: charger\npoints:\n  - { name: p, address: 0, type: float32, field: powerW }\n  - { name: t, address: 2, type: float32, field: temperatureC }\n`;
    const { body, problems } = read(yaml, { 0: 0xffff, 1: 0xffff, 2: 0x7f80, 3: 0 });
    expect(body).toEqual({ type: 'charger', charger: {} });
    expect(problems).toMatchObject([{ reason: 'non_finite_value' }]);
  });

  it('flags a wrong model id as fatal (wrong device or base address)', () => {
    const yaml = `name: t\nkind: battery\npoints:\n  - { name: ID, address: 0, type: uint16, expect: 802 }\n  - { name: V, address: 1, type: uint16, field: packVoltageV }\n`;
    const { problems } = read(yaml, { 0: 1, 1: 400 });
    expect(problems).toMatchObject([{ reason: 'unexpected_value', fatal: true }]);
    expect(read(yaml, { 0: 802, 1: 400 }).problems).toEqual([]);
  });
});

describe('shipped maps on random registers (property)', () => {
  it.each(builtinMapNames())('%s: any register contents give a well-formed body, never an exception', (name) => {
    const map = loadRegisterMap(name);
    const requests = planRequests(map.points);
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 125, maxLength: 125 }), { minLength: requests.length, maxLength: requests.length }),
        fc.array(fc.boolean(), { minLength: requests.length, maxLength: requests.length }),
        (images, failed) => {
          const problems: Problem[] = [];
          const words = requests.map((r, i) => (failed[i] ? undefined : images[i]!.slice(0, r.count)));
          const body = buildBody(map, decodePoints(requests, words, problems), problems);
          const signals = (body.type === 'battery' ? body.battery : body.type === 'charger' ? body.charger : {}) as Record<string, unknown>;
          expect(body.type).toBe(map.kind);
          for (const [field, value] of Object.entries(signals)) {
            if (field === 'connectorStatus') expect(OCPP_CONNECTOR_STATUSES).toContain(value);
            else if (field === 'errorCodes') for (const code of value as string[]) expect(OCPP_ERROR_CODES).toContain(code);
            else if (field === 'alarmFlags') for (const flag of value as string[]) expect(flag).toMatch(/^[a-z][a-z0-9_]*$/);
            else if (field === 'chargingState') expect(['charging', 'discharging', 'idle']).toContain(value);
            else expect(Number.isFinite(value), `${field}=${String(value)}`).toBe(true);
          }
          for (const p of problems) expect(['unexpected_value', 'unmapped_enum_value', 'non_finite_value']).toContain(p.reason);
        },
      ),
      { numRuns: 300 },
    );
  });
});
