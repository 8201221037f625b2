/**
 * Duty profiles: what the vehicle or site asks of the pack, as a power or current demand that the
 * pack model then turns into a current (subject to the BMS voltage limits).
 *
 * drive   EV use: drive legs alternating urban (stop-and-go: accelerate, cruise, regen braking,
 *         stop) and highway (steady cruise with occasional overtakes and regen), until the pack
 *         SoC reaches a per-trip target of 20-30 %; rest 0.5-4 h; CC-CV charge (charger power
 *         max_power_kw, at most the chemistry's max C-rate) to 80-100 %; rest 1-10 h; repeat.
 *         Demand is in C-rate of power so it scales with the pack: urban cruise 0.1-0.4C,
 *         acceleration 0.8-1.6C, highway 0.45-0.9C (a 60 kWh car at 27-54 kW), regen 0.1-0.5C.
 * storage Stationary storage: one CC-CV charge per day from 10:00 (solar hours) to 90 %, and one
 *         discharge from 18:00 at 0.2-0.3C (drawn per night) until 15 % or 06:00. Time of day is UTC of the start
 *         timestamp plus simulated time.
 * idle    Rest only (self-discharge and calendar ageing).
 */
import type { Rng } from './rng.js';

export type Demand =
  | { kind: 'rest' }
  /** Signed power (W, + charging); the pack turns it into current at its present voltage. */
  | { kind: 'power'; watts: number }
  /** Constant current (A, charging) until any cell reaches cellVoltageV, then constant voltage. */
  | { kind: 'cc_cv'; amps: number; cellVoltageV: number };

export interface PackStatus {
  socPct: number;
  currentA: number;
  packVoltageV: number;
}

export interface ProfileStep {
  demand: Demand;
  /** Simulated time until which this demand holds unless the pack state changes it. */
  untilS: number;
  phase: string;
}

export interface Profile {
  next(tS: number, status: PackStatus): ProfileStep;
}

export interface ProfileParams {
  nominalAh: number;
  /** Nominal pack energy (Wh): the base of the power C-rates. */
  nominalWh: number;
  chargerW: number;
  maxChargeC: number;
  chargeVoltageV: number;
  /** Wall-clock start (ms): gives the storage profile its time of day. */
  startTs: number;
}

const CV_END_C = 1 / 20; // CC-CV ends when the taper current falls below C/20

export class IdleProfile implements Profile {
  next(tS: number): ProfileStep {
    return { demand: { kind: 'rest' }, untilS: tS + 3600, phase: 'rest' };
  }
}

interface Segment {
  watts: number;
  endS: number;
  name: string;
}

export class DriveProfile implements Profile {
  private phase: 'drive' | 'rest_before_charge' | 'charge' | 'rest_after_charge' = 'drive';
  private phaseEndS = 0;
  private stopSocPct: number;
  private targetSocPct = 90;
  private chargeStartS = 0;
  private highway = false;
  private legEndS = 0;
  private segment: Segment = { watts: 0, endS: 0, name: 'stop' };

  constructor(private readonly p: ProfileParams, private readonly rng: Rng) {
    this.stopSocPct = rng.uniform(20, 30);
  }

  next(tS: number, status: PackStatus): ProfileStep {
    for (;;) {
      switch (this.phase) {
        case 'drive':
          if (status.socPct <= this.stopSocPct) {
            this.enter('rest_before_charge', tS + this.rng.int(1800, 4 * 3600));
            continue;
          }
          if (tS >= this.legEndS) {
            this.highway = this.rng.next() < 0.4;
            this.legEndS = tS + this.rng.int(10 * 60, 40 * 60);
          }
          if (tS >= this.segment.endS) this.segment = this.nextSegment(tS);
          return { demand: { kind: 'power', watts: this.segment.watts }, untilS: Math.min(this.segment.endS, this.legEndS), phase: 'drive' };
        case 'rest_before_charge':
        case 'rest_after_charge':
          if (tS < this.phaseEndS) return { demand: { kind: 'rest' }, untilS: this.phaseEndS, phase: 'rest' };
          if (this.phase === 'rest_before_charge') {
            this.phase = 'charge';
            this.chargeStartS = tS;
            this.targetSocPct = this.rng.uniform(80, 100);
          } else {
            this.phase = 'drive';
            this.stopSocPct = this.rng.uniform(20, 30);
            this.legEndS = tS;
            this.segment = { watts: 0, endS: tS, name: 'stop' };
          }
          continue;
        case 'charge': {
          const tapered = tS - this.chargeStartS > 60 && status.currentA < CV_END_C * this.p.nominalAh;
          if (status.socPct >= this.targetSocPct || tapered) {
            this.enter('rest_after_charge', tS + this.rng.int(3600, 10 * 3600));
            continue;
          }
          return { demand: chargeDemand(this.p, status), untilS: tS + 1, phase: 'charge' };
        }
      }
    }
  }

  private enter(phase: 'rest_before_charge' | 'rest_after_charge', endS: number): void {
    this.phase = phase;
    this.phaseEndS = endS;
  }

  /** Micro-trip segments; the cycle accelerate -> cruise -> brake (regen) -> stop for urban legs. */
  private nextSegment(tS: number): Segment {
    const wh = this.p.nominalWh;
    const r = this.rng;
    const prev = this.segment.name;
    if (this.highway) {
      if (prev === 'cruise') {
        return r.next() < 0.5
          ? { name: 'accelerate', watts: -r.uniform(1.0, 1.8) * wh, endS: tS + r.int(5, 12) }
          : { name: 'brake', watts: r.uniform(0.1, 0.3) * wh, endS: tS + r.int(3, 8) };
      }
      return { name: 'cruise', watts: -r.uniform(0.45, 0.9) * wh, endS: tS + r.int(60, 300) };
    }
    switch (prev) {
      case 'accelerate':
        return { name: 'cruise', watts: -r.uniform(0.1, 0.4) * wh, endS: tS + r.int(15, 90) };
      case 'cruise':
        return { name: 'brake', watts: r.uniform(0.15, 0.5) * wh, endS: tS + r.int(4, 10) };
      case 'brake':
        // Standing still: only auxiliaries (HVAC, 12 V system) draw ~0.02C.
        return { name: 'stop', watts: -0.02 * wh, endS: tS + r.int(5, 45) };
      default:
        return { name: 'accelerate', watts: -r.uniform(0.8, 1.6) * wh, endS: tS + r.int(8, 15) };
    }
  }
}

function chargeDemand(p: ProfileParams, status: PackStatus, cRate = p.maxChargeC): Demand {
  const byPower = status.packVoltageV > 0 ? p.chargerW / status.packVoltageV : 0;
  return { kind: 'cc_cv', amps: Math.min(byPower, cRate * p.nominalAh), cellVoltageV: p.chargeVoltageV };
}

const HOUR = 3600;
const DAY = 86_400;

export class StorageProfile implements Profile {
  private chargedDay = -1;
  private dischargedNight = -1;
  private chargeStartS = 0;
  private chargingDay = -1;
  private loadNight = -1;
  private nightC = 0.25;
  private readonly startOffsetS: number;

  constructor(private readonly p: ProfileParams, private readonly rng: Rng) {
    this.startOffsetS = Math.floor(p.startTs / 1000) % DAY;
  }

  next(tS: number, status: PackStatus): ProfileStep {
    const abs = this.startOffsetS + tS;
    const day = Math.floor(abs / DAY);
    const tod = abs - day * DAY;
    if (tod >= 10 * HOUR && tod < 16 * HOUR && this.chargedDay !== day) {
      if (this.chargingDay !== day) {
        this.chargingDay = day;
        this.chargeStartS = tS;
      }
      const tapered = tS - this.chargeStartS > 60 && status.currentA < CV_END_C * this.p.nominalAh;
      if (status.socPct < 90 && !tapered) {
        return { demand: chargeDemand(this.p, status, 0.25), untilS: tS + 1, phase: 'charge' };
      }
      this.chargedDay = day;
    }
    const night = tod < 6 * HOUR ? day - 1 : day;
    if ((tod >= 18 * HOUR || tod < 6 * HOUR) && this.dischargedNight !== night) {
      if (status.socPct > 15) {
        // Site load varies from night to night (0.2-0.3C).
        if (this.loadNight !== night) {
          this.loadNight = night;
          this.nightC = this.rng.uniform(0.2, 0.3);
        }
        const watts = -this.nightC * this.p.nominalWh;
        return { demand: { kind: 'power', watts }, untilS: tS + 1, phase: 'discharge' };
      }
      this.dischargedNight = night;
    }
    // Rest until the next window opens (6:00, 10:00, 16:00 or 18:00).
    const bounds = [6 * HOUR, 10 * HOUR, 16 * HOUR, 18 * HOUR, DAY + 6 * HOUR];
    const nextTod = bounds.find((b) => b > tod) ?? DAY;
    return { demand: { kind: 'rest' }, untilS: tS + (nextTod - tod), phase: 'rest' };
  }
}
