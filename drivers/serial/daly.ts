/**
 * Daly BMS UART / RS485 protocol, 9600 8N1. Every frame is 13 bytes:
 *   A5 | address | data id | 08 | data[8] | checksum (low byte of the sum of the 12 bytes before)
 * Requests carry the host address (0x40; 0x80 on some RS485 boards) and eight zero bytes; answers
 * carry the BMS address (0x01). 0x95 (cell voltages) is answered with one frame per three cells.
 *
 * Values verified against real frames in shared/data/serial/daly_vectors.json (jblance/mpp-solar).
 */
import type { FrameSpec } from './frame-parser.js';
import { StepCycle, sum, u16, u32, type BmsProtocol, type PollStep, type ProtocolOptions } from './protocol.js';
import { namedBits, round, type Contribution, type Refusal } from './signals.js';
import type { ChargingState } from '../../core/record.js';

export const DALY_START = 0xa5;
export const DALY_FRAME_LENGTH = 13;
export const DALY_DATA_LENGTH = 0x08;
export const DALY_HOST_ADDRESS = 0x40;
export const DalyId = {
  socVoltageCurrent: 0x90,
  cellMinMax: 0x91,
  temperatureMinMax: 0x92,
  mosfetState: 0x93,
  status: 0x94,
  cellVoltages: 0x95,
  failures: 0x98,
} as const;

export const dalyFrameSpec: FrameSpec = {
  startByte: DALY_START,
  frameLength(buf) {
    if (buf.length < 4) return { kind: 'need_more' };
    // Fixed-size frames: a length byte other than 8 means this A5 is not a frame start.
    return buf[3] === DALY_DATA_LENGTH ? { kind: 'complete', length: DALY_FRAME_LENGTH } : { kind: 'invalid', reason: 'bad_length' };
  },
  verify(frame) {
    return (sum(frame, 0, 12) & 0xff) === frame[12] ? null : 'bad_checksum';
  },
};

export function dalyRequest(dataId: number, address = DALY_HOST_ADDRESS): Buffer {
  const frame = Buffer.alloc(DALY_FRAME_LENGTH);
  frame.set([DALY_START, address, dataId, DALY_DATA_LENGTH]);
  frame[12] = sum(frame, 0, 12) & 0xff;
  return frame;
}

export const dalyDataId = (frame: Buffer): number => frame[2] as number;
export const dalyData = (frame: Buffer): Buffer => frame.subarray(4, 12);

export const DALY_SOC_FRAME = 'daly 0x90';
/**
 * |current| from 1000 A up is refused: no Daly model is rated near it (the largest are 500 A), and
 * dbus-serialbattery (bms/daly.py) discards such readings the same way.
 */
export const DALY_MAX_ABS_CURRENT_A = 1000;

/**
 * 0x90: pack voltage (0.1 V), current (0.1 A, offset 30000, above = charging on most firmwares;
 * `invert_current` for the others), SoC (0.1 %). A value that cannot be right is refused, not stored.
 */
export function decodeDalySocVoltageCurrent(d: Uint8Array) {
  const currentRaw = u16(d, 4);
  const socRaw = u16(d, 6);
  const currentA = round((currentRaw - 30000) * 0.1, 1);
  const refusals: Refusal[] = [];
  const refuse = (field: string, raw: number, message: string) => refusals.push({ frame: DALY_SOC_FRAME, field, raw, message });
  if (Math.abs(currentA) >= DALY_MAX_ABS_CURRENT_A) refuse('bytes 4-5 current', currentRaw, `${currentA} A is beyond any Daly rating (|I| < ${DALY_MAX_ABS_CURRENT_A} A)`);
  if (socRaw > 1000) refuse('bytes 6-7 state of charge', socRaw, `${round(socRaw * 0.1, 1)} % is above 100 %`);
  return {
    packVoltageV: round(u16(d, 0) * 0.1, 1),
    ...(Math.abs(currentA) < DALY_MAX_ABS_CURRENT_A ? { currentA } : {}),
    ...(socRaw <= 1000 ? { socPct: round(socRaw * 0.1, 1) } : {}),
    refusals,
  };
}

/** 0x91: highest cell (mV, index), lowest cell (mV, index); indexes are 1-based. */
export function decodeDalyCellMinMax(d: Uint8Array) {
  return { cellMaxV: u16(d, 0) / 1000, cellMaxIndex: d[2] as number, cellMinV: u16(d, 3) / 1000, cellMinIndex: d[5] as number };
}

/** 0x92: highest and lowest temperature, offset 40 degC. */
export function decodeDalyTemperatures(d: Uint8Array) {
  return { tempMaxC: (d[0] as number) - 40, tempMaxSensor: d[1] as number, tempMinC: (d[2] as number) - 40, tempMinSensor: d[3] as number };
}

const DALY_STATES: readonly ChargingState[] = ['idle', 'charging', 'discharging'];
const DALY_STATE_NAMES = ['stationary', 'charge', 'discharge'] as const;

/** 0x93: state (0 stationary, 1 charge, 2 discharge), MOSFETs, BMS life, remaining mAh. */
export function decodeDalyMosfetState(d: Uint8Array) {
  const code = d[0] as number;
  return {
    state: DALY_STATE_NAMES[code] ?? ('unknown' as const),
    chargingState: DALY_STATES[code],
    chargeMosOn: d[1] === 1,
    dischargeMosOn: d[2] === 1,
    bmsLifeCycles: d[3] as number,
    remainingCapacityAh: round(u32(d, 4) / 1000, 3),
  };
}

/** 0x94: cell count, temperature sensor count, charger and load presence, cycles. */
export function decodeDalyStatus(d: Uint8Array) {
  return {
    cellCount: d[0] as number,
    temperatureSensorCount: d[1] as number,
    chargerConnected: d[2] === 1,
    loadConnected: d[3] === 1,
    cycles: u16(d, 5),
  };
}

/** 0x95: one frame of the cell-voltage answer: its 1-based number and up to three cells (mV). */
export function decodeDalyCellFrame(d: Uint8Array): { frameNumber: number; voltagesV: number[] } {
  return { frameNumber: d[0] as number, voltagesV: [u16(d, 1), u16(d, 3), u16(d, 5)].map((mv) => mv / 1000) };
}

/** 0x98: seven bytes of failure bits (byte 7 is a fault code), named byte by byte. */
export const DALY_FAILURE_BITS: readonly (readonly string[])[] = [
  ['cell_overvoltage_l1', 'cell_overvoltage_l2', 'cell_undervoltage_l1', 'cell_undervoltage_l2',
    'pack_overvoltage_l1', 'pack_overvoltage_l2', 'pack_undervoltage_l1', 'pack_undervoltage_l2'],
  ['charge_overtemperature_l1', 'charge_overtemperature_l2', 'charge_undertemperature_l1', 'charge_undertemperature_l2',
    'discharge_overtemperature_l1', 'discharge_overtemperature_l2', 'discharge_undertemperature_l1', 'discharge_undertemperature_l2'],
  ['charge_overcurrent_l1', 'charge_overcurrent_l2', 'discharge_overcurrent_l1', 'discharge_overcurrent_l2',
    'soc_high_l1', 'soc_high_l2', 'soc_low_l1', 'soc_low_l2'],
  ['cell_voltage_difference_l1', 'cell_voltage_difference_l2', 'temperature_difference_l1', 'temperature_difference_l2'],
  ['charge_mosfet_overtemperature', 'discharge_mosfet_overtemperature', 'charge_mosfet_sensor_error',
    'discharge_mosfet_sensor_error', 'charge_mosfet_stuck', 'discharge_mosfet_stuck', 'charge_mosfet_open',
    'discharge_mosfet_open'],
  ['afe_error', 'cell_voltage_acquisition_error', 'cell_temperature_sensor_error', 'eeprom_error', 'rtc_error',
    'precharge_failure', 'communication_failure', 'internal_communication_failure'],
  ['current_module_fault', 'pack_voltage_detection_fault', 'short_circuit', 'low_voltage_charge_forbidden'],
];

export function decodeDalyFailures(d: Uint8Array): string[] {
  return DALY_FAILURE_BITS.flatMap((names, byte) => namedBits(d[byte] as number, names, `daly_failure_${byte}`));
}

function step(id: number, address: number, decode: (data: Buffer) => Contribution | 'more'): PollStep {
  return {
    request: dalyRequest(id, address),
    // A frame carrying our own host address is our request echoed by a half-duplex RS485 adapter.
    handle: (frame) =>
      dalyDataId(frame) === id && frame[1] !== address ? decode(dalyData(frame)) : { kind: 'unexpected' },
  };
}

/** Collects the ceil(cells / 3) frames of a 0x95 answer, in any order, ignoring repeats. */
function cellVoltagesStep(address: number, cellCount: number): PollStep {
  const frames = new Map<number, number[]>();
  const expected = Math.ceil(cellCount / 3);
  return step(DalyId.cellVoltages, address, (d) => {
    const { frameNumber, voltagesV } = decodeDalyCellFrame(d);
    if (frameNumber >= 1 && frameNumber <= expected) frames.set(frameNumber, voltagesV);
    if (frames.size < expected) return 'more';
    const cells: number[] = [];
    for (let n = 1; n <= expected; n++) cells.push(...(frames.get(n) as number[]));
    return { signals: { cellVoltagesV: cells.slice(0, cellCount) } };
  });
}

export const dalyProtocol: BmsProtocol = {
  name: 'daly',
  defaultBaudRate: 9600,
  spec: dalyFrameSpec,
  newCycle(options: ProtocolOptions) {
    const a = options.address;
    let cycle: StepCycle;
    const steps: PollStep[] = [
      step(DalyId.socVoltageCurrent, a, (d) => {
        const v = decodeDalySocVoltageCurrent(d);
        return { signals: { packVoltageV: v.packVoltageV, packCurrentA: v.currentA, socPct: v.socPct }, refusals: v.refusals };
      }),
      step(DalyId.cellMinMax, a, (d) => {
        const v = decodeDalyCellMinMax(d);
        return { signals: { cellVoltageMinV: v.cellMinV, cellVoltageMaxV: v.cellMaxV } };
      }),
      step(DalyId.temperatureMinMax, a, (d) => {
        const v = decodeDalyTemperatures(d);
        // Only the extremes are reported, so no mean: (min + max) / 2 would be a made-up number.
        return { signals: { tempMinC: v.tempMinC, tempMaxC: v.tempMaxC } };
      }),
      step(DalyId.mosfetState, a, (d) => {
        const v = decodeDalyMosfetState(d);
        return { signals: { chargingState: v.chargingState, remainingCapacityAh: v.remainingCapacityAh } };
      }),
      {
        ...step(DalyId.status, a, (d) => {
          const v = decodeDalyStatus(d);
          // The BMS knows its cell count; the configured one is only a fallback.
          const cells = v.cellCount > 0 ? v.cellCount : options.cells;
          if (cells !== undefined && cells > 0) cycle.insertNext(cellVoltagesStep(a, cells));
          return { signals: { cycleCount: v.cycles } };
        }),
        onSkip: () => {
          if (options.cells !== undefined) cycle.insertNext(cellVoltagesStep(a, options.cells));
        },
      },
      step(DalyId.failures, a, (d) => ({ signals: { alarmFlags: decodeDalyFailures(d) } })),
    ];
    // 0x93 reports the BMS's own state: a current whose sign contradicts it is refused (see signals.ts).
    cycle = new StepCycle(steps, options.invertCurrent, 'daly 0x90 current against 0x93 state');
    return cycle;
  },
};
