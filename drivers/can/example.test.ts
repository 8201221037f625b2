import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { deviceSchema } from '../../config/schema.js';
import { canConfigSchema } from './config.js';
import { parseDbcFile } from './dbc-parser.js';
import { resolveMapping } from './mapping.js';
import { CAN_DATA_NOTE, HAVE_CAN_DATA, canData } from './testdata/shared-data.js';

const here = dirname(fileURLToPath(import.meta.url));
const example = parse(readFileSync(join(here, 'example.yaml'), 'utf8')) as { devices: Array<{ id: string; kind: 'battery' | 'charger'; can: unknown }> };

describe('drivers/can/example.yaml', () => {
  it('holds valid can blocks', () => {
    expect(example.devices.map((d) => d.id)).toEqual(['model3-pack', 'kona-replay']);
    for (const d of example.devices) expect(canConfigSchema.safeParse(d.can).error?.issues ?? []).toEqual([]);
    // And as whole device entries, through the agent's own schema (drivers/config.ts wires can: in).
    for (const d of example.devices) expect(deviceSchema.safeParse(d).error?.issues ?? []).toEqual([]);
  });

  it.skipIf(!HAVE_CAN_DATA)(`maps only signals that exist, unambiguously, in the real DBCs${CAN_DATA_NOTE}`, () => {
    for (const d of example.devices) {
      const can = canConfigSchema.parse(d.can);
      // The example points at deployment paths; check it against the shared copies of the same files.
      const db = parseDbcFile(canData(resolve(can.dbc).split('/').at(-1) as string));
      const mapping = resolveMapping(db, can.map, d.kind);
      expect(mapping.fields.length).toBe(Object.keys(can.map).length);
    }
  });
});
