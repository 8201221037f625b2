/**
 * Register images for the server tests, written from the physical values the tests expect, by
 * hand and independently of the driver's decoder (two's complement and word splits spelled out).
 */
import type { Units } from './harness.js';

const u16 = (v: number) => (v < 0 ? 0x10000 + v : v);

/**
 * A SunSpec device: 'SunS' at 40000, model 1 (common, 66 registers), optionally an inverter-like
 * model 103 (50 registers) before the battery model 802, then the end marker. Every register of
 * the chain is present, as on a real device. Model 802 starts at 40070, or 40122 with the extra.
 */
export function sunspecBattery(unit = 1, options: { extraModelFirst?: boolean } = {}): Units {
  const chain = [0x5375, 0x6e53, 1, 66, ...new Array<number>(66).fill(0)];
  if (options.extraModelFirst) chain.push(103, 50, ...new Array<number>(50).fill(7));
  chain.push(...sunspec802Registers(), 0xffff, 0);
  return { [unit]: { holding: { 40000: chain } } };
}

function sunspec802Registers(): number[] {
  const model = new Array<number>(64).fill(0xffff); // "not implemented" for unsigned points
  const set = (offset: number, ...words: number[]) => words.forEach((w, i) => (model[offset + i] = w));
  set(0, 802, 62); // ID, L (model length without the 2 header registers)
  set(11, 8250); // SoC, SoC_SF (56) = -2 -> 82.5 %
  set(56, u16(-2));
  set(13, 97); // SoH, SoH_SF (58) = 0 -> 97 %
  set(58, 0);
  set(14, 0x0000, 1234); // NCyc uint32 -> 1234
  set(16, 4); // ChaSt CHARGING
  set(22, 3); // State CONNECTED (no flag)
  set(26, 0x0040, 0x0002); // Evt1 = bit 22 (GROUND_FAULT) | bit 1 (OVER_TEMP_ALARM)
  set(34, 3875); // V, V_SF (59) = -1 -> 387.5 V
  set(59, u16(-1));
  set(37, 4012); // CellVMax, CellV_SF (60) = -3 -> 4.012 V
  set(40, 3987); // CellVMin -> 3.987 V
  set(60, u16(-3));
  set(44, u16(-1234)); // A = -123.4 A with A_SF (61) = -1: SunSpec charging -> +123.4 A canonical
  set(61, u16(-1));
  set(47, u16(-4782)); // W = -47820 W with W_SF (63) = 1 -> +47820 W canonical
  set(63, 1);
  return model;
}

export const SUNSPEC_EXPECTED = {
  packVoltageV: 387.5,
  packCurrentA: 123.4,
  powerW: 47820,
  socPct: 82.5,
  sohPct: 97,
  cycleCount: 1234,
  chargingState: 'charging',
  alarmFlags: ['over_temp_alarm', 'ground_fault'],
  cellVoltageMaxV: 4.012,
  cellVoltageMinV: 3.987,
};

/** An ABB Terra AC charging at 7 kW with an over-temperature error bit, registers 4000h-4024h. */
export function abbTerraCharging(unit = 3): Units {
  const regs = new Array<number>(0x25).fill(0);
  const set = (address: number, ...words: number[]) => words.forEach((w, i) => (regs[address - 0x4000 + i] = w));
  set(0x4008, 0x0080, 0x0000); // error code: 128 (over temperature) in the high word
  set(0x400c, 0x0000, 0x0400); // charging state 4 (C2) in the high byte of 400Dh
  set(0x401c, 0x0000, 7000); // active power 7000 W
  set(0x401e, 0x0001, 0x2345); // session energy 0x12345 = 74565 Wh
  return { [unit]: { holding: { 0x4000: regs } } };
}

export const ABB_EXPECTED = {
  connectorStatus: 'Charging',
  errorCodes: ['HighTemperature'],
  powerW: 7000,
  sessionEnergyWh: 74565,
};
