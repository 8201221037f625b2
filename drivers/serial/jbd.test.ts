import { describe, expect, it } from 'vitest';
import { FrameParser } from './frame-parser.js';
import {
  decodeJbdBasicInfo, decodeJbdCellVoltages, decodeJbdVersion, jbdFrameSpec, jbdProtocol, jbdReadRequest, jbdResponse,
} from './jbd.js';
import { jbdAnswer } from './testdata/encoders.js';
import { SKIP_MESSAGE, hex, loadJbdCaptures, loadJbdVectors, serialDataAvailable, vector } from './testdata/shared-data.js';

function parseOne(bytes: Buffer) {
  const parser = new FrameParser(jbdFrameSpec);
  return { event: parser.push(bytes), parser };
}

describe.skipIf(!serialDataAvailable)(`JBD codec against real captures${SKIP_MESSAGE}`, () => {
  const cases = serialDataAvailable ? loadJbdVectors() : [];

  it('builds the exact request bytes the real BMS was sent', () => {
    for (const c of cases) {
      const req = hex(c.request as string);
      expect(jbdReadRequest(req[2] as number)).toEqual(req);
    }
    for (const { request } of loadJbdCaptures()) expect(jbdReadRequest(request[2] as number)).toEqual(request);
  });

  it('decodes basic info (0x03) field by field', () => {
    const c = vector(cases, 'basic info');
    const { event } = parseOne(hex(c.response));
    expect(event.rejections).toEqual([]);
    expect(event.frames).toHaveLength(1);
    const r = jbdResponse(event.frames[0] as Buffer);
    expect(r.register).toBe(0x03);
    expect(r.status).toBe(0);
    const info = decodeJbdBasicInfo(r.data);
    const e = c.expect;
    expect(info).not.toBeNull();
    expect(info?.packVoltageV).toBe(e.pack_voltage_v);
    expect(info?.currentA).toBe(e.current_a);
    expect(info?.remainingCapacityAh).toBe(e.remaining_capacity_ah);
    expect(info?.nominalCapacityAh).toBe(e.nominal_capacity_ah);
    expect(info?.cycles).toBe(e.cycles);
    expect(info?.socPct).toBe(e.soc_pct);
    expect(info?.fetChargeOn).toBe(e.fet_charge_on);
    expect(info?.fetDischargeOn).toBe(e.fet_discharge_on);
    expect(info?.cellCount).toBe(e.cell_count);
    expect(info?.ntcCount).toBe(e.ntc_count);
    expect(info?.temperaturesC).toEqual(e.temperatures_c);
    expect(info?.protectionFlags).toBe(e.protection_flags);
    expect(info?.alarms).toEqual([]);
  });

  it('decodes both cell-voltage captures (0x04)', () => {
    for (const c of cases.filter((v) => v.name.startsWith('cell voltages'))) {
      const { event } = parseOne(hex(c.response));
      expect(event.frames).toHaveLength(1);
      expect(decodeJbdCellVoltages(jbdResponse(event.frames[0] as Buffer).data)).toEqual(c.expect.cell_voltages_v);
    }
  });

  it('decodes the hardware version string (0x05)', () => {
    const c = vector(cases, 'hardware version');
    const { event } = parseOne(hex(c.response));
    expect(decodeJbdVersion(jbdResponse(event.frames[0] as Buffer).data)).toBe(c.expect.hardware_version);
  });

  it('rejects the corrupted frame with the checksum reason and emits nothing', () => {
    const c = vector(cases, 'corrupted');
    expect(c.expect.error).toBe('checksum');
    const { event } = parseOne(hex(c.response));
    expect(event.frames).toEqual([]);
    expect(event.rejections[0]).toEqual({ reason: 'bad_checksum', bytes: 1 });
    expect(event.rejections.map((r) => r.reason)).not.toContain('truncated_frame');
  });

  it('accepts every response line of the capture file, including the 0xAA register', () => {
    const captures = loadJbdCaptures();
    expect(captures.length).toBe(6);
    const parser = new FrameParser(jbdFrameSpec);
    const all = parser.push(Buffer.concat(captures.map((p) => p.response)));
    expect(all.rejections).toEqual([]);
    expect(all.frames.map((f) => f[1])).toEqual([0x03, 0x03, 0x04, 0x04, 0x05, 0xaa]);
  });

  it('resynchronises after a garbage prefix and between frames', () => {
    const basic = hex(vector(cases, 'basic info').response);
    const cells = hex(vector(cases, 'cell voltages').response);
    // Ends in a false start whose length byte (0x40) announces a frame longer than what follows.
    const garbage = Buffer.from([0x00, 0x77, 0x13, 0xdd, 0x03, 0x00, 0x40]);
    const parser = new FrameParser(jbdFrameSpec);
    const first = parser.push(Buffer.concat([garbage, basic, Buffer.from([0x55, 0xaa]), cells]));
    expect(first.frames).toEqual([]); // still waiting for the false frame to complete
    const rest = parser.flush(); // what the driver does on timeout: rescan past the false start
    const frames = [...first.frames, ...rest.frames];
    expect(frames.map((f) => f[1])).toEqual([0x03, 0x04]);
    expect([...first.rejections, ...rest.rejections].some((r) => r.reason === 'garbage')).toBe(true);
  });

  it('holds a truncated frame until the rest arrives, and drops it on flush', () => {
    const basic = hex(vector(cases, 'basic info').response);
    const parser = new FrameParser(jbdFrameSpec);
    expect(parser.push(basic.subarray(0, 20)).frames).toEqual([]);
    expect(parser.pending).toBe(20);
    expect(parser.push(basic.subarray(20)).frames).toHaveLength(1);
    parser.push(basic.subarray(0, 10));
    const flushed = parser.flush();
    expect(flushed.frames).toEqual([]);
    expect(flushed.rejections).toContainEqual({ reason: 'truncated_frame', bytes: 1 });
    expect(parser.pending).toBe(0);
  });

  it('merges one poll cycle into one canonical reading', () => {
    const cycle = jbdProtocol.newCycle({ address: 0x40, invertCurrent: false });
    const basic = hex(vector(cases, 'basic info').response);
    const cells = hex(vector(cases, 'cell voltages').response);
    expect(cycle.next()).toEqual(jbdReadRequest(0x03));
    expect(cycle.accept(cells)).toEqual({ kind: 'unexpected' }); // answer to another request
    expect(cycle.accept(basic)).toEqual({ kind: 'done' });
    expect(cycle.next()).toEqual(jbdReadRequest(0x04));
    expect(cycle.accept(cells)).toEqual({ kind: 'done' });
    expect(cycle.next()).toBeUndefined();
    expect(cycle.result()).toEqual({
      packVoltageV: 15.6, packCurrentA: 0, powerW: 0, socPct: 100, remainingCapacityAh: 4.98, fullCapacityAh: 5,
      cycleCount: 0, chargingState: 'idle', alarmFlags: [],
      cellVoltagesV: [3.909, 3.901, 3.895, 3.901], cellVoltageMinV: 3.895, cellVoltageMaxV: 3.909,
      tempMinC: 21.7, tempMaxC: 22.4, tempMeanC: 22.13,
    });
  });
});

describe('JBD codec on synthetic frames', () => {
  it('decodes a discharging current as negative and names protection bits', () => {
    const data = new Array<number>(23).fill(0);
    data[2] = 0xfc; data[3] = 0x18; // -1000 * 10 mA = -10 A
    data[16] = 0x01; data[17] = 0x01; // bit 8 charge overcurrent, bit 0 cell overvoltage
    const frame = jbdAnswer(0x03, data);
    expect(new FrameParser(jbdFrameSpec).push(frame).frames).toHaveLength(1);
    const info = decodeJbdBasicInfo(jbdResponse(frame).data);
    expect(info?.currentA).toBe(-10);
    expect(info?.alarms).toEqual(['cell_overvoltage', 'charge_overcurrent']);
  });

  /** A basic-info payload with the given fields (4 cells, NTCs as raw 0.1 K words). */
  function basic(f: { voltage?: number; current?: number; soc?: number; ntcs?: number[] }): number[] {
    const ntcs = f.ntcs ?? [2981];
    const data = new Array<number>(23).fill(0);
    const put = (at: number, v: number) => { data[at] = (v >> 8) & 0xff; data[at + 1] = v & 0xff; };
    put(0, f.voltage ?? 1320);
    put(2, (f.current ?? 0) & 0xffff);
    data[19] = f.soc ?? 50;
    data[21] = 4;
    data[22] = ntcs.length;
    for (const raw of ntcs) data.push((raw >> 8) & 0xff, raw & 0xff);
    return data;
  }

  it('decodes sub-zero temperatures: 0.1 K with 2731 = 0 degC (as esphome-jbd-bms, not 273.15)', () => {
    const info = decodeJbdBasicInfo(Uint8Array.from(basic({ ntcs: [2731, 2721, 2631, 2331] })));
    expect(info?.temperaturesC).toEqual([0, -1, -10, -40]);
  });

  it('decodes zero and full-scale current and voltage', () => {
    const at = (f: Parameters<typeof basic>[0]) => decodeJbdBasicInfo(Uint8Array.from(basic(f)));
    expect(at({ current: 0 })?.currentA).toBe(0);
    expect(at({ current: 0x7fff })?.currentA).toBe(327.67);
    expect(at({ current: -0x8000 })?.currentA).toBe(-327.68);
    expect(at({ voltage: 0xffff })?.packVoltageV).toBe(655.35);
    const cycle = jbdProtocol.newCycle({ address: 0x40, invertCurrent: false });
    cycle.next();
    cycle.accept(jbdAnswer(0x03, basic({ current: 0, ntcs: [2721] })));
    expect(cycle.result()).toMatchObject({ packCurrentA: 0, powerW: 0, chargingState: 'idle', tempMinC: -1, tempMaxC: -1 });
  });

  // Regression: byte 19 was stored as SoC whatever its value.
  it('refuses a state of charge above 100 %, naming the byte and the frame', () => {
    expect(decodeJbdBasicInfo(Uint8Array.from(basic({ soc: 100 })))?.socPct).toBe(100);
    const info = decodeJbdBasicInfo(Uint8Array.from(basic({ soc: 101 })));
    expect(info?.socPct).toBeUndefined();
    expect(info?.refusals).toEqual([{ frame: 'jbd 0x03 basic info', field: 'byte 19 state of charge', raw: 101, message: '101 % is above 100 %' }]);
    const cycle = jbdProtocol.newCycle({ address: 0x40, invertCurrent: false });
    cycle.next();
    expect(cycle.accept(jbdAnswer(0x03, basic({ soc: 0xff })))).toEqual({ kind: 'done' });
    expect(cycle.takeRefusals().map((r) => r.raw)).toEqual([0xff]);
    expect(cycle.result()?.socPct).toBeUndefined();
  });

  it('rejects a short basic-info payload and an error status instead of decoding them', () => {
    const cycle = jbdProtocol.newCycle({ address: 0x40, invertCurrent: false });
    cycle.next();
    expect(cycle.accept(jbdAnswer(0x03, [1, 2, 3]))).toEqual({ kind: 'rejected', reason: 'malformed_frame' });
    expect(cycle.accept(jbdAnswer(0x03, [], 0x80))).toEqual({ kind: 'rejected', reason: 'device_error' });
    expect(cycle.result()).toBeUndefined();
  });
});
