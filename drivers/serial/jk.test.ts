/**
 * JK tests run against frames from our own encoder (testdata/encoders.ts): no real JK captures are
 * available in shared/data, so these prove self-consistency with the published description only.
 */
import { describe, expect, it } from 'vitest';
import { FrameParser } from './frame-parser.js';
import { decodeJkReadAll, jkCurrent, jkFrameFields, jkFrameSpec, jkProtocol, jkReadAllRequest, jkTemperature } from './jk.js';
import { JK_SAMPLE, jkReadAllAnswer } from './testdata/encoders.js';
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

  it('decodes both current encodings and negative temperatures', () => {
    expect(jkCurrent(0x87d0, 1)).toBe(20); // the description's example: charging 20 A
    expect(jkCurrent(0x07d0, 1)).toBe(-20); // discharging 20 A
    expect(jkCurrent(11000, 0)).toBe(-10); // version 0: offset 10000
    expect(jkCurrent(9500, 0)).toBe(5);
    expect(jkTemperature(101)).toBe(-1);
    expect(jkTemperature(100)).toBe(100);
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
