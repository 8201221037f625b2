import { describe, expect, it } from 'vitest';
import { canConfigSchema } from './config.js';
import { parseDbc } from './dbc-parser.js';
import { CanDecoder } from './decoder.js';
import { CanMappingError } from './errors.js';
import { resolveMapping, SignalAssembler } from './mapping.js';

// A charger: 0x300 carries power (W, 16 bits) and a 3-bit state with VAL_ labels; 0x301 a temperature.
const db = parseDbc(
  'BO_ 768 ChgStatus: 8 CHG\n SG_ Power : 0|16@1+ (10,0) [0|0] "W" X\n SG_ State : 16|3@1+ (1,0) [0|0] "" X\n SG_ Vendor : 19|3@1+ (1,0) [0|0] "" X\n' +
    'BO_ 769 ChgTemp: 8 CHG\n SG_ Temp : 7|8@0- (1,0) [0|0] "C" X\n' +
    'VAL_ 768 State 0 "Available" 1 "Charging" 2 "Faulted" 3 "Weird" ;\n',
  'charger.dbc',
);
const map = (raw: unknown) => canConfigSchema.parse({ interface: 'can0', dbc: 'charger.dbc', map: raw }).map;

function feed(mapRaw: unknown, frames: Array<[number, string, number]>, maxAgeMs = 1000) {
  const mapping = resolveMapping(db, map(mapRaw), 'charger');
  const decoder = new CanDecoder(db, { onlySignals: mapping.wants });
  const assembler = new SignalAssembler(mapping, 'charger', maxAgeMs);
  for (const [id, hex, at] of frames) {
    const d = decoder.decode({ id, extended: false, data: Uint8Array.from(Buffer.from(hex, 'hex')) });
    if (d) assembler.update(d, at);
  }
  return { assembler, decoder };
}

describe('charger mapping', () => {
  it('maps numbers with scale/offset and the connector status from VAL_ labels', () => {
    // Power = 0x0BB8 = 3000 * 10 W = 30 kW; State = 1 "Charging"; Temp = 0xE2 = -30 signed, offset +70 -> 40.
    const { assembler } = feed(
      { powerW: 'Power', temperatureC: { signal: 'Temp', scale: 1, offset: 70 }, connectorStatus: { signal: 'State' } },
      [[768, 'B80B010000000000', 0], [769, 'E200000000000000', 10]],
    );
    expect(assembler.snapshot(500)).toEqual({ type: 'charger', charger: { powerW: 30000, temperatureC: 40, connectorStatus: 'Charging' } });
  });

  it('ignores labels that are not OCPP statuses, and uses an explicit values table when given', () => {
    // State = 3 "Weird": not a status. Vendor = 5 (bits 19..21 of byte 2 = 0x28 >> 3) -> values["5"] = Faulted.
    const labels = feed({ connectorStatus: { signal: 'State' } }, [[768, '0000030000000000', 0]]);
    expect(labels.assembler.snapshot(0)).toBeUndefined();
    const table = feed({ connectorStatus: { signal: 'Vendor', values: { '5': 'Faulted', '0': 'Available' } } }, [[768, '0000280000000000', 0]]);
    expect(table.assembler.snapshot(0)).toEqual({ type: 'charger', charger: { connectorStatus: 'Faulted' } });
  });

  it('lets values age out one by one, and reports nothing once all are stale', () => {
    const { assembler } = feed({ powerW: 'Power', temperatureC: 'Temp', connectorStatus: { signal: 'State' } }, [[768, 'B80B000000000000', 0], [769, '1900000000000000', 600]]);
    expect(assembler.snapshot(1000)).toEqual({ type: 'charger', charger: { powerW: 30000, temperatureC: 25, connectorStatus: 'Available' } });
    expect(assembler.snapshot(1001)).toEqual({ type: 'charger', charger: { temperatureC: 25 } });
    expect(assembler.snapshot(1601)).toBeUndefined();
  });

  it('decodes only mapped signals', () => {
    const { decoder } = feed({ powerW: 'Power' }, []);
    expect(decoder.decode({ id: 768, extended: false, data: new Uint8Array(8) })?.signals.map((s) => s.name)).toEqual(['Power']);
  });

  it('rejects battery fields on a charger and connectorStatus on a battery', () => {
    expect(() => resolveMapping(db, map({ socPct: 'Power' }), 'charger')).toThrow(CanMappingError);
    expect(() => resolveMapping(db, map({ connectorStatus: { signal: 'State' } }), 'battery')).toThrow(/map.connectorStatus: not a battery field/);
    expect(() => map({ connectorStatus: { signal: 'State', values: { '1': 'Plugged' } } })).toThrow();
  });
});
