/**
 * JK tests run against frames from our own encoder (testdata/encoders.ts): no real JK captures are
 * available in shared/data, so these prove self-consistency with the published description only.
 */
import { describe, expect, it } from 'vitest';
import { FrameParser } from './frame-parser.js';
import { decodeJkReadAll, jkCurrent, jkFrameFields, jkFrameSpec, jkProtocol, jkReadAllRequest, jkTemperature } from './jk.js';
import { JK_SAMPLE, jkReadAllAnswer, jkReadAllData, type JkPackState } from './testdata/encoders.js';
import { hex } from './testdata/shared-data.js';

describe('JK codec (verified against our own encoder only)', () => {
  it('builds the read-all request given as the example in the protocol description', () => {
    expect(jkReadAllRequest()).toEqual(hex('4E 57 00 13 00 00 00 00 06 03 00 00 00 00 00 00 68 00 00 01 29'));
  });

  it('parses and decodes an encoded read-all answer field by field', () => {
    const event = new FrameParser(jkFrameSpec).push(jkReadAllAnswer(JK_SAMPLE, 7));
    expect(event.rejections).toEqual([]);
    expect(event.frames).toHaveLength(1);
    const f = jkFrameFields(event.frames[0] as Buffer);
    expect([f.command, f.source, f.type, f.record]).toEqual([0x06, 0x00, 0x01, 7]);
    const v = decodeJkReadAll(f.data);
    expect(v.unknownId).toBeUndefined(); // every register of the answer was walked
    expect(v.cellVoltagesV).toEqual([3.301, 3.305, 3.299, 3.31]);
    expect(v.mosfetTemperatureC).toBe(31);
    expect(v.temperaturesC).toEqual([24, -3]);
    expect(v.packVoltageV).toBe(13.21);
    expect(v.currentA).toBe(12.34);
    expect(v.socPct).toBe(67);
    expect(v.cycles).toBe(42);
    expect(v.totalCycleCapacityAh).toBe(1234);
    expect(v.alarms).toEqual(['low_capacity', 'cell_overvoltage']);
    expect([v.chargeMosOn, v.dischargeMosOn, v.balancing]).toEqual([true, true, false]);
    expect(v.capacitySettingAh).toBe(280);
    expect(v.protocolVersion).toBe(1);
  });

  it('decodes the version-1 current: sign bit, zero and full scale', () => {
    expect(jkCurrent(0x87d0, 1)).toBe(20); // the description's example: charging 20 A
    expect(jkCurrent(0x07d0, 1)).toBe(-20); // discharging 20 A
    expect(jkCurrent(0x0000, 1)).toBe(0); // zero current, discharge bit: 0, not -0
    expect(jkCurrent(0x8000, 1)).toBe(0); // zero current, charge bit
    expect(jkCurrent(0xffff, 1)).toBe(327.67); // full scale charging
    expect(jkCurrent(0x7fff, 1)).toBe(-327.67); // full scale discharging
  });

  // Regression (issue 12 section 3): raw 100 was decoded as +100 degC and every colder value 1 degC
  // too warm. Real packs read 0x64 at -1 degC and 0x65 at -2 degC (see jkTemperature).
  it('decodes temperatures: 0-99 as is, 100 = -1 degC, 101 = -2 degC, 140 = -41 degC', () => {
    expect([0, 1, 24, 99].map(jkTemperature)).toEqual([0, 1, 24, 99]);
    expect([100, 101, 102, 139, 140].map(jkTemperature)).toEqual([-1, -2, -3, -40, -41]);
    const v = decodeJkReadAll(Uint8Array.from(jkReadAllData({ ...JK_SAMPLE, mosfetTempRaw: 100, tempRaw: [101, 0] })));
    expect(v.mosfetTemperatureC).toBe(-1);
    expect(v.temperaturesC).toEqual([-2, 0]);
    expect(v.refusals).toEqual([]);
  });

  it('refuses a temperature above the documented 0-140, naming the register and the frame', () => {
    expect(jkTemperature(141)).toBeUndefined();
    const v = decodeJkReadAll(Uint8Array.from(jkReadAllData({ ...JK_SAMPLE, mosfetTempRaw: 0xffff, tempRaw: [20, 141] })));
    expect(v.mosfetTemperatureC).toBeUndefined();
    expect(v.temperaturesC).toEqual([20]);
    expect(v.refusals.map((r) => [r.frame, r.field, r.raw])).toEqual([
      ['jk read-all (0x06)', '0x80 MOSFET temperature', 0xffff],
      ['jk read-all (0x06)', '0x82 temperature sensor 2', 141],
    ]);
  });

  // Regression: protocol version 0 was decoded as (10000 - raw) x 10 mA, a rule neither reference
  // decodes; an answer without 0xC0 was silently taken as version 0.
  it('refuses the current unless protocol version 1 says how it is encoded', () => {
    const at = (protocolVersion: number | undefined, currentRaw: number) =>
      decodeJkReadAll(Uint8Array.from(jkReadAllData({ ...JK_SAMPLE, protocolVersion, currentRaw })));
    for (const [version, why] of [[0, 'protocol version (0xC0) is 0'], [2, 'protocol version (0xC0) is 2'], [undefined, 'no protocol version register 0xC0']] as const) {
      const v = at(version, 11000);
      expect(v.currentA).toBeUndefined();
      expect(v.refusals).toHaveLength(1);
      expect(v.refusals[0]).toMatchObject({ frame: 'jk read-all (0x06)', field: '0x84 current', raw: 11000 });
      expect(v.refusals[0]?.message).toContain(why);
      expect(v.packVoltageV).toBe(13.21); // the rest of the frame is still decoded
    }
    expect(jkCurrent(9500, 0)).toBeUndefined();
    expect(at(1, 0x8000 | 1234).currentA).toBe(12.34);
  });

  it('refuses a state of charge above 100 % and keeps 0 and 100', () => {
    const soc = (socPct: number) => decodeJkReadAll(Uint8Array.from(jkReadAllData({ ...JK_SAMPLE, socPct })));
    expect(soc(0).socPct).toBe(0);
    expect(soc(100).socPct).toBe(100);
    const over = soc(101);
    expect(over.socPct).toBeUndefined();
    expect(over.refusals.map((r) => r.field)).toEqual(['0x85 state of charge']);
  });

  it('decodes full-scale voltage, cells and counters', () => {
    const full: JkPackState = { ...JK_SAMPLE, cellsMv: [0xffff, 0], voltage10mV: 0xffff, cycles: 0xffff, totalCycleAh: 0xffffffff, capacityAh: 0xffffffff };
    const v = decodeJkReadAll(Uint8Array.from(jkReadAllData(full)));
    expect(v.cellVoltagesV).toEqual([65.535, 0]);
    expect(v.packVoltageV).toBe(655.35);
    expect(v.cycles).toBe(65535);
    expect(v.totalCycleCapacityAh).toBe(4294967295);
    expect(v.capacitySettingAh).toBe(4294967295);
  });

  it('a sub-zero, zero-current cycle: idle, negative statistics, refusals reported by the cycle', () => {
    const cycle = jkProtocol.newCycle({ address: 0x40, invertCurrent: false });
    cycle.next();
    expect(cycle.accept(jkReadAllAnswer({ ...JK_SAMPLE, tempRaw: [100, 110], currentRaw: 0x0000, socPct: 250 }))).toEqual({ kind: 'done' });
    expect(cycle.takeRefusals().map((r) => r.field)).toEqual(['0x85 state of charge']);
    expect(cycle.takeRefusals()).toEqual([]); // taken once
    const r = cycle.result();
    expect(r).toMatchObject({ packCurrentA: 0, powerW: 0, chargingState: 'idle', tempMinC: -11, tempMaxC: -1, tempMeanC: -6 });
    expect(r?.socPct).toBeUndefined();
  });

  it('rejects a flipped checksum bit, a wrong second start byte and an absurd length', () => {
    const good = jkReadAllAnswer(JK_SAMPLE);
    const bad = Buffer.from(good);
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0x01;
    expect(new FrameParser(jkFrameSpec).push(bad).rejections[0]).toEqual({ reason: 'bad_checksum', bytes: 1 });
    const parser = new FrameParser(jkFrameSpec);
    const event = parser.push(Buffer.concat([hex('4E 00 4E 57 FF FF'), good]));
    expect(event.rejections.map((r) => r.reason)).toEqual(['bad_start', 'garbage', 'bad_length', 'garbage']);
    expect(event.frames).toEqual([good]);
  });

  it('ignores the echo of its own request and merges the answer into a canonical reading', () => {
    const cycle = jkProtocol.newCycle({ address: 0x40, invertCurrent: false });
    const request = cycle.next() as Buffer;
    expect(cycle.accept(request)).toEqual({ kind: 'unexpected' });
    expect(cycle.accept(jkReadAllAnswer(JK_SAMPLE))).toEqual({ kind: 'done' });
    expect(cycle.next()).toBeUndefined();
    expect(cycle.result()).toEqual({
      packVoltageV: 13.21, packCurrentA: 12.34, powerW: 163.011, socPct: 67, cycleCount: 42, fullCapacityAh: 280,
      chargingState: 'charging', cellVoltagesV: [3.301, 3.305, 3.299, 3.31], cellVoltageMinV: 3.299,
      cellVoltageMaxV: 3.31, tempMinC: -3, tempMaxC: 24, tempMeanC: 10.5, alarmFlags: ['cell_overvoltage', 'low_capacity'],
    });
  });
});
