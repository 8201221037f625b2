/**
 * Every shipped map loads and validates; broken maps fail with errors naming the file and the
 * entry; the SunSpec map still matches the SunSpec model JSON it was generated from.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ModbusMapError } from './errors.js';
import { builtinMapNames, loadRegisterMap, parseRegisterMap } from './map-loader.js';
import { planRequests } from './planner.js';

const here = dirname(fileURLToPath(import.meta.url));
const sharedData = process.env.EV_EDGE_SHARED_DATA ?? resolve(here, '../../../shared/data');
const sunspecJson = join(sharedData, 'modbus/sunspec_model_802.json');
const victronCsv = join(sharedData, 'modbus/victron_dbus_modbustcp_attributes.csv');

function mapError(text: string, file = 'broken.yaml'): ModbusMapError {
  try {
    parseRegisterMap(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(ModbusMapError);
    return error as ModbusMapError;
  }
  throw new Error('expected a ModbusMapError');
}

describe('shipped register maps', () => {
  it('ships the five documented maps', () => {
    expect(builtinMapNames()).toEqual(['abb-terra-ac', 'alfen-eve', 'sunspec-802', 'victron-gx-battery', 'victron-gx-evcharger']);
  });

  it.each(builtinMapNames())('%s loads, validates and plans into legal requests', (name) => {
    const map = loadRegisterMap(name);
    expect(map.name).toBe(name);
    expect(map.points.some((p) => p.field !== undefined)).toBe(true);
    for (const request of planRequests(map.points)) {
      expect(request.count).toBeLessThanOrEqual(125);
      expect(request.start + request.count).toBeLessThanOrEqual(65536);
    }
  });

  it('SunSpec 802 is read in one 64-register request from base 40070, overridable', () => {
    const map = loadRegisterMap('sunspec-802');
    expect(planRequests(map.points)).toMatchObject([{ table: 'holding', start: 40070, count: 64 }]);
    const moved = loadRegisterMap('sunspec-802', { baseAddress: 40200 });
    expect(moved.points.find((p) => p.name === 'V')?.address).toBe(40200 + 34);
  });
});

describe.skipIf(!existsSync(sunspecJson))('sunspec-802.yaml against the SunSpec model JSON (needs EV_EDGE_SHARED_DATA)', () => {
  it('has every point at its offset, with its size and scale factor', () => {
    const model = JSON.parse(readFileSync(sunspecJson, 'utf8')) as {
      group: { points: Array<{ name: string; size: number; type: string; sf?: string }> };
    };
    const map = loadRegisterMap('sunspec-802', { baseAddress: 0 });
    let offset = 0;
    for (const point of model.group.points) {
      const mine = map.points.find((p) => p.name === point.name);
      expect(mine, point.name).toBeDefined();
      expect(mine?.address, point.name).toBe(offset);
      expect(mine?.count, point.name).toBe(point.size);
      expect(mine?.scaleFactor, point.name).toBe(point.sf);
      expect(mine?.type.startsWith('int'), point.name).toBe(point.type === 'int16' || point.type === 'sunssf');
      offset += point.size;
    }
    expect(map.points).toHaveLength(model.group.points.length);
  });
});

describe.skipIf(!existsSync(victronCsv))('victron maps against the GX register list (needs EV_EDGE_SHARED_DATA)', () => {
  it('uses each register with the list type and scale (scale = 1 / list scale)', () => {
    const rows = new Map<number, { type: string; scale: number }>();
    for (const line of readFileSync(victronCsv, 'utf8').split('\n')) {
      const cols = line.split(',');
      if (cols.length < 8 || !/^com\.victronenergy\.(battery|evcharger)$/.test(cols[0] ?? '')) continue;
      rows.set(Number(cols.at(-4)), { type: cols.at(-3) ?? '', scale: Number(cols.at(-2) || 1) });
    }
    for (const name of ['victron-gx-battery', 'victron-gx-evcharger']) {
      for (const point of loadRegisterMap(name).points) {
        const row = rows.get(point.address);
        expect(row, `${name} ${point.name} @${point.address}`).toBeDefined();
        expect(point.type, `${name} ${point.name}`).toBe(row?.type);
        if (!point.enumTable) expect(point.scale * (row?.scale ?? 1), `${name} ${point.name}`).toBeCloseTo(1, 12);
      }
    }
  });
});

describe('broken maps', () => {
  const header = 'name: t\nkind: battery\npoints:\n';

  it('names the file and the entry for a bad scale_factor reference', () => {
    const error = mapError(`${header}  - { name: V, address: 34, type: uint16, scale_factor: V_SFX, field: packVoltageV }\n`, 'maps/x.yaml');
    expect(error.file).toBe('maps/x.yaml');
    expect(error.message).toContain('maps/x.yaml');
    expect(error.message).toContain('points[0] "V" (holding 34)');
    expect(error.message).toContain('scale_factor "V_SFX" is not a point');
  });

  it('reports every problem at once, each with its entry', () => {
    const error = mapError(
      `${header}  - { name: a, address: 1, type: uint16, field: packVoltsV }\n` +
        `  - { name: b, address: 2, type: int32, count: 1, field: socPct }\n` +
        `  - { name: c, address: 3, type: uint16, field: chargingState, enum: { 1: charged } }\n` +
        `  - { name: d, address: 4, type: uint16, field: packCurrentA, unit: kWh }\n` +
        `  - { name: e, table: coil, address: 5, type: uint16 }\n`,
    );
    expect(error.problems).toHaveLength(5);
    expect(error.problems[0]).toMatch(/^points\[0\] "a" .*field "packVoltsV" is not a battery field/);
    expect(error.problems[1]).toMatch(/^points\[1\] "b" .*count 1 does not match int32/);
    expect(error.problems[2]).toMatch(/^points\[2\] "c" .*"charged" is not a valid chargingState value/);
    expect(error.problems[3]).toMatch(/^points\[3\] "d" .*unit "kWh" does not fit field packCurrentA/);
    expect(error.problems[4]).toMatch(/^points\[4\] "e" .*type uint16 does not fit table coil/);
  });

  it('names the entry and key for schema errors (unknown key, bad type)', () => {
    const error = mapError(`${header}  - { name: V, address: 34, type: uint17 }\n  - { name: W, adress: 35, type: int16 }\n`);
    expect(error.message).toMatch(/points\[0\] "V" type: /);
    expect(error.message).toMatch(/points\[1\] "W"/);
    expect(error.message).toContain('adress');
  });

  it('reports invalid YAML with the file name and the line', () => {
    const error = mapError('name: t\nkind: battery\npoints: [ { name: V\n', 'maps/bad.yaml');
    expect(error.message).toMatch(/maps\/bad\.yaml: invalid YAML: .*line/s);
  });

  it('refuses an unknown shipped map name, listing the shipped ones', () => {
    expect(() => loadRegisterMap('no-such-map')).toThrow(/no shipped map named "no-such-map".*sunspec-802/);
  });
});
