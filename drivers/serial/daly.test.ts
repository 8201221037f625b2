import { describe, expect, it } from 'vitest';
import {
  DalyId, dalyData, dalyFrameSpec, dalyProtocol, dalyRequest, decodeDalyCellFrame, decodeDalyCellMinMax,
  decodeDalyFailures, decodeDalyMosfetState, decodeDalySocVoltageCurrent, decodeDalyStatus, decodeDalyTemperatures,
} from './daly.js';
import { FrameParser } from './frame-parser.js';
import { dalyAnswer } from './testdata/encoders.js';
import { SKIP_MESSAGE, hex, loadDalyVectors, serialDataAvailable, vector } from './testdata/shared-data.js';

function onlyFrame(bytes: Buffer): Buffer {
  const event = new FrameParser(dalyFrameSpec).push(bytes);
  expect(event.rejections).toEqual([]);
  expect(event.frames).toHaveLength(1);
  return event.frames[0] as Buffer;
}

describe.skipIf(!serialDataAvailable)(`Daly codec against real frames${SKIP_MESSAGE}`, () => {
  const cases = serialDataAvailable ? loadDalyVectors() : [];

  it('0x90: pack voltage, current (offset 30000, positive = charging) and SoC', () => {
    const c = vector(cases, '0x90');
    const frame = onlyFrame(hex(c.response));
    expect(frame[2]).toBe(0x90);
    const v = decodeDalySocVoltageCurrent(dalyData(frame));
    expect(v.packVoltageV).toBe(c.expect.pack_voltage_v);
    expect(v.currentA).toBe(c.expect.current_a);
    expect(v.socPct).toBe(c.expect.soc_pct);
  });

  it('0x91: min/max cell voltage and their indexes', () => {
    const c = vector(cases, '0x91');
    const v = decodeDalyCellMinMax(dalyData(onlyFrame(hex(c.response))));
    expect(v.cellMaxV).toBe(c.expect.cell_max_v);
    expect(v.cellMaxIndex).toBe(c.expect.cell_max_index);
    expect(v.cellMinV).toBe(c.expect.cell_min_v);
    expect(v.cellMinIndex).toBe(c.expect.cell_min_index);
  });

  it('0x93: state, MOSFETs, life cycles and remaining capacity', () => {
    const c = vector(cases, '0x93');
    const v = decodeDalyMosfetState(dalyData(onlyFrame(hex(c.response))));
    expect(v.state).toBe(c.expect.state);
    expect(v.chargingState).toBe('idle');
    expect(v.chargeMosOn).toBe(c.expect.charge_mos_on);
    expect(v.dischargeMosOn).toBe(c.expect.discharge_mos_on);
    expect(v.bmsLifeCycles).toBe(c.expect.bms_life_cycles);
    expect(v.remainingCapacityAh).toBe(c.expect.remaining_capacity_ah);
  });

  it('0x94: cell count, sensor count, charger/load, cycles', () => {
    const c = vector(cases, '0x94');
    const v = decodeDalyStatus(dalyData(onlyFrame(hex(c.response))));
    expect(v.cellCount).toBe(c.expect.cell_count);
    expect(v.temperatureSensorCount).toBe(c.expect.temperature_sensor_count);
    expect(v.chargerConnected).toBe(c.expect.charger_connected);
    expect(v.loadConnected).toBe(c.expect.load_connected);
    expect(v.cycles).toBe(c.expect.cycles);
  });

  it('0x95: six frames of three cells give the 16 cell voltages', () => {
    const c = vector(cases, '0x95');
    const event = new FrameParser(dalyFrameSpec).push(hex(c.response));
    expect(event.rejections).toEqual([]);
    expect(event.frames.map((f) => decodeDalyCellFrame(dalyData(f)).frameNumber)).toEqual([1, 2, 3, 4, 5, 6]);
    const cells = event.frames.flatMap((f) => decodeDalyCellFrame(dalyData(f)).voltagesV).slice(0, 16);
    expect(cells).toEqual(c.expect.cell_voltages_v);
  });

  it('rejects the corrupted frame with the checksum reason', () => {
    const c = vector(cases, 'corrupted');
    expect(c.expect.error).toBe('checksum');
    const event = new FrameParser(dalyFrameSpec).push(hex(c.response));
    expect(event.frames).toEqual([]);
    expect(event.rejections[0]).toEqual({ reason: 'bad_checksum', bytes: 1 });
  });

  it('a full poll cycle over the real frames merges into one canonical reading', () => {
    const by = (id: string) => hex(vector(cases, id).response);
    const cycle = dalyProtocol.newCycle({ address: 0x40, invertCurrent: false });
    const answers: Record<number, Buffer[]> = {
      0x90: [by('0x90')], 0x91: [by('0x91')], 0x92: [dalyAnswer(0x92, [65, 2, 62, 1, 0, 0, 0, 0])], 0x93: [by('0x93')],
      0x94: [by('0x94')], 0x95: new FrameParser(dalyFrameSpec).push(by('0x95')).frames, 0x98: [dalyAnswer(0x98, [0, 0, 0, 0, 0, 0, 0, 0])],
    };
    const sent: number[] = [];
    for (let req = cycle.next(); req; req = cycle.next()) {
      sent.push(req[2] as number);
      const frames = answers[req[2] as number] as Buffer[];
      frames.forEach((f, i) => expect(cycle.accept(f).kind).toBe(i === frames.length - 1 ? 'done' : 'more'));
    }
    expect(sent).toEqual([0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x98]);
    const r = cycle.result();
    expect(r).toMatchObject({
      packVoltageV: 53.2, packCurrentA: 2.1, powerW: 111.72, socPct: 88.8, chargingState: 'idle',
      cellVoltageMinV: 3.326, cellVoltageMaxV: 3.328, tempMinC: 22, tempMaxC: 25, remainingCapacityAh: 172.76,
      cycleCount: 3, alarmFlags: [],
    });
    expect(r?.cellVoltagesV).toHaveLength(16);
    expect(r?.tempMeanC).toBeUndefined();
  });
});

describe('Daly codec on synthetic frames', () => {
  it('builds the documented request: A5 40 <id> 08, eight zeros, sum', () => {
    expect(dalyRequest(0x90)).toEqual(hex('A5 40 90 08 00 00 00 00 00 00 00 00 7D'));
    expect(dalyRequest(0x90, 0x80)[1]).toBe(0x80);
  });

  it('decodes discharge current as negative, temperatures with offset 40, and named failure bits', () => {
    expect(decodeDalySocVoltageCurrent(Buffer.from([2, 0x14, 0, 0, 0x74, 0x7a, 3, 0x78])).currentA).toBe(-18.2);
    expect(decodeDalyTemperatures(Buffer.from([30, 1, 0, 2, 0, 0, 0, 0]))).toEqual({
      tempMaxC: -10, tempMaxSensor: 1, tempMinC: -40, tempMinSensor: 2,
    });
    expect(decodeDalyFailures(Buffer.from([0x01, 0, 0x04, 0, 0, 0, 0x04, 0x33]))).toEqual([
      'cell_overvoltage_l1', 'discharge_overcurrent_l1', 'short_circuit',
    ]);
  });

  const soc = (currentRaw: number, socRaw = 500) =>
    decodeDalySocVoltageCurrent(Buffer.from([2, 0x14, 0, 0, currentRaw >> 8, currentRaw & 0xff, socRaw >> 8, socRaw & 0xff]));

  it('decodes zero, sub-zero and full-scale values of 0x90 and 0x92', () => {
    expect(soc(30000).currentA).toBe(0);
    expect(soc(29999).currentA).toBe(-0.1);
    expect(soc(30000 + 9999).currentA).toBe(999.9);
    expect(soc(30000 - 9999).currentA).toBe(-999.9);
    expect(soc(30000, 0).socPct).toBe(0);
    expect(soc(30000, 1000).socPct).toBe(100);
    expect(decodeDalySocVoltageCurrent(Buffer.from([0xff, 0xff, 0, 0, 0x75, 0x30, 0, 0])).packVoltageV).toBe(6553.5);
    // Unsigned byte minus 40: 39 is -1 degC, 0 is -40 degC, 255 is 215 degC (dbus-serialbattery reads
    // it as a signed byte, which differs only from 128 = 88 degC up).
    expect(decodeDalyTemperatures(Buffer.from([39, 1, 40, 2, 0, 0, 0, 0]))).toMatchObject({ tempMaxC: -1, tempMinC: 0 });
    expect(decodeDalyTemperatures(Buffer.from([255, 1, 128, 2, 0, 0, 0, 0]))).toMatchObject({ tempMaxC: 215, tempMinC: 88 });
  });

  // Regression: a current beyond any Daly rating and a SoC above 100 % were stored.
  it('refuses |current| >= 1000 A and SoC above 100 %, naming the bytes and the frame', () => {
    const over = soc(30000 + 10000, 1001);
    expect(over.currentA).toBeUndefined();
    expect(over.socPct).toBeUndefined();
    expect(over.packVoltageV).toBe(53.2);
    expect(over.refusals.map((r) => [r.frame, r.field, r.raw])).toEqual([
      ['daly 0x90', 'bytes 4-5 current', 40000],
      ['daly 0x90', 'bytes 6-7 state of charge', 1001],
    ]);
    expect(soc(0).refusals.map((r) => r.message)).toEqual(['-3000 A is beyond any Daly rating (|I| < 1000 A)']);
  });

  /** Runs a cycle answering only 0x90 (current raw) and 0x93 (state code). */
  function stateCycle(currentRaw: number, state: number, invertCurrent = false) {
    const cycle = dalyProtocol.newCycle({ address: 0x40, invertCurrent });
    for (let req = cycle.next(); req; req = cycle.next()) {
      const id = req[2] as number;
      if (id === DalyId.socVoltageCurrent) cycle.accept(dalyAnswer(id, [2, 0x14, 0, 0, currentRaw >> 8, currentRaw & 0xff, 3, 0x78]));
      else if (id === DalyId.mosfetState) cycle.accept(dalyAnswer(id, [state, 1, 1, 0, 0, 0, 0x10, 0]));
      else cycle.skip();
    }
    return { result: cycle.result(), refusals: cycle.takeRefusals() };
  }

  // Regression: the current's sign convention differs between Daly firmwares (dbus-serialbattery
  // issues 3, 65, 1075); a current contradicting the BMS's own 0x93 state was stored with either sign.
  it('refuses a current whose sign contradicts the 0x93 state, and keeps it once invert_current fixes it', () => {
    const contradicted = stateCycle(30000 - 182, 1); // -18.2 A while the BMS says "charge"
    expect(contradicted.result?.packCurrentA).toBeUndefined();
    expect(contradicted.result?.powerW).toBeUndefined();
    expect(contradicted.result?.chargingState).toBe('charging');
    expect(contradicted.refusals).toHaveLength(1);
    expect(contradicted.refusals[0]).toMatchObject({ frame: 'daly 0x90 current against 0x93 state', field: 'packCurrentA', raw: -18.2 });
    expect(contradicted.refusals[0]?.message).toContain('invert_current');
    expect(stateCycle(30000 - 182, 1, true).result).toMatchObject({ packCurrentA: 18.2, chargingState: 'charging' });
    expect(stateCycle(30000 - 182, 2).result).toMatchObject({ packCurrentA: -18.2, chargingState: 'discharging' });
    // Stationary says nothing about the sign (the real capture: 2.1 A while stationary); zero current never contradicts.
    expect(stateCycle(30021, 0)).toMatchObject({ result: { packCurrentA: 2.1, chargingState: 'idle' }, refusals: [] });
    expect(stateCycle(30000, 2)).toMatchObject({ result: { packCurrentA: 0, powerW: 0, chargingState: 'discharging' }, refusals: [] });
  });

  it('a length byte other than 8 is not a frame start, and the real frame behind it is found', () => {
    const frame = dalyAnswer(0x90, [2, 0x14, 0, 0, 0x75, 0x45, 3, 0x78]);
    const event = new FrameParser(dalyFrameSpec).push(Buffer.concat([Buffer.from([0xa5, 0x01, 0x90, 0x07]), frame]));
    expect(event.frames).toEqual([frame]);
    expect(event.rejections[0]).toEqual({ reason: 'bad_length', bytes: 1 });
  });

  it('uses the configured cell count when status 0x94 goes unanswered', () => {
    const cycle = dalyProtocol.newCycle({ address: 0x40, cells: 4, invertCurrent: true });
    for (let req = cycle.next(); req; req = cycle.next()) {
      const id = req[2] as number;
      if (id === DalyId.status) { cycle.skip(); continue; }
      if (id === DalyId.socVoltageCurrent) cycle.accept(dalyAnswer(id, [2, 0x14, 0, 0, 0x75, 0x45, 3, 0x78]));
      if (id === DalyId.cellVoltages) {
        expect(cycle.accept(dalyAnswer(id, [2, 0x0d, 0x04, 0, 0, 0, 0, 0])).kind).toBe('more');
        expect(cycle.accept(dalyAnswer(id, [1, 0x0d, 0x01, 0x0d, 0x02, 0x0d, 0x03, 0])).kind).toBe('done');
      }
    }
    const r = cycle.result();
    expect(r?.cellVoltagesV).toEqual([3.329, 3.33, 3.331, 3.332]);
    expect(r?.packCurrentA).toBe(-2.1); // invert_current flips the firmware's sign
    expect(r?.chargingState).toBe('discharging');
  });
});
