/**
 * OCPP 2.0.1 exchanges of one charging station -> per-EVSE readings (both modes). The
 * device number of a 2.0.1 station is its EVSE id (`<identity>.<evseId>`): 2.0.1 reports status,
 * transactions and meter values per EVSE, and nearly every station has one connector per EVSE.
 *
 * Rules (where 2.0.1 says less than the record model, the record says nothing):
 * - connectorStatus: Available, Reserved, Unavailable and Faulted as reported. While Occupied, the
 *   transaction's chargingState gives Charging, SuspendedEV or SuspendedEVSE; Occupied with no
 *   transaction or with EVConnected/Idle (1.6 would say Preparing or Finishing, 2.0.1 does not
 *   tell which) leaves the status out.
 * - errorCodes, vendorErrorCode and temperatureC come from NotifyEvent (device-model201.ts): 2.0.1
 *   has no error code in StatusNotification and no Temperature measurand. errorCodes is left out
 *   until the station's first NotifyEvent (before it, its problems are unknown, not "none"), and
 *   from then on is on every reading (the scoring counts onsets between consecutive readings).
 * - AvailabilityState from NotifyEvent sets the EVSE's status as StatusNotification does.
 * - Meter values use the 1.6 rules (measurands.ts) after applying unitOfMeasure's multiplier.
 * - A session counts once per transactionId the CSMS confirmed with eventType Started.
 */
import type { ChargerErrorCode, ConnectorStatus } from '../../core/record.js';
import { DeviceModel201, type EventData201 } from './device-model201.js';
import { meterSignals, MeterValueError, type MeterSignals, type MeterValue } from './measurands.js';
import { parseTime, TapBase, type TappedReading } from './tap-base.js';

interface SampledValue201 {
  value: number;
  measurand?: string;
  phase?: string;
  location?: string;
  context?: string;
  unitOfMeasure?: { unit?: string; multiplier?: number };
}
interface MeterValue201 {
  timestamp: string;
  sampledValue: SampledValue201[];
}

interface EvseState {
  reported?: 'Available' | 'Occupied' | 'Reserved' | 'Unavailable' | 'Faulted';
  chargingState?: string;
  sessions: number;
}

const DIRECT: Record<string, ConnectorStatus> = { Available: 'Available', Reserved: 'Reserved', Unavailable: 'Unavailable', Faulted: 'Faulted' };
const AVAILABILITY: readonly string[] = ['Available', 'Occupied', 'Reserved', 'Unavailable', 'Faulted'];
const WHILE_OCCUPIED: Record<string, ConnectorStatus> = { Charging: 'Charging', SuspendedEV: 'SuspendedEV', SuspendedEVSE: 'SuspendedEVSE' };

export class ChargingStationTap201 extends TapBase<EvseState> {
  private readonly transactions = new Map<string, { evse: number; startWh?: number }>();
  private readonly model = new DeviceModel201((p) => this.problems.push(p));

  protected fresh(): EvseState {
    return { sessions: 0 };
  }

  exchange(action: string, request: unknown, response: unknown): TappedReading[] {
    const req = request as Record<string, unknown>;
    switch (action) {
      case 'StatusNotification': {
        const evse = this.slot(req.evseId as number);
        if (!evse) return this.unknownSlot(req.evseId as number);
        evse.reported = req.connectorStatus as EvseState['reported'];
        return [this.reading(req.evseId as number, {}, parseTime(req.timestamp))];
      }
      case 'TransactionEvent':
        return response === undefined ? [] : this.transactionEvent(req);
      case 'MeterValues': {
        const evseId = req.evseId as number;
        if (evseId === 0) return [];
        if (!this.slot(evseId)) return this.unknownSlot(evseId);
        return (req.meterValue as MeterValue201[]).flatMap((mv) => this.meter(evseId, mv, undefined));
      }
      case 'Heartbeat':
      case 'BootNotification':
        return this.numbers().map((n) => this.reading(n, {}));
      case 'NotifyEvent':
        return this.notifyEvent(req.eventData as EventData201[]);
      case 'NotifyReport':
        this.model.learnReport(req.reportData as Parameters<DeviceModel201['learnReport']>[0]);
        return [];
      case 'NotifyMonitoringReport':
        this.model.learnMonitors(req.monitor as Parameters<DeviceModel201['learnMonitors']>[0]);
        return [];
      default:
        return [];
    }
  }

  private notifyEvent(items: EventData201[]): TappedReading[] {
    const out = new Map<number, { ts: number; temperatureC?: number }>();
    for (const u of this.model.event(items)) {
      if (u.place !== 0 && !this.slot(u.place)) {
        this.unknownSlot(u.place);
        continue;
      }
      // The station as a whole (place 0) concerns every EVSE.
      for (const n of u.place === 0 ? this.numbers() : [u.place]) {
        if (u.availability !== undefined && n === u.place && AVAILABILITY.includes(u.availability)) this.slot(n)!.reported = u.availability as EvseState['reported'];
        const prev = out.get(n);
        const temperatureC = Math.max(prev?.temperatureC ?? -Infinity, u.temperatureC ?? -Infinity);
        out.set(n, { ts: Math.max(prev?.ts ?? -Infinity, u.ts), ...(Number.isFinite(temperatureC) ? { temperatureC } : {}) });
      }
    }
    return [...out].sort(([a], [b]) => a - b).map(([n, { ts, temperatureC }]) => this.reading(n, temperatureC !== undefined ? { temperatureC } : {}, Number.isFinite(ts) ? ts : undefined));
  }

  private transactionEvent(req: Record<string, unknown>): TappedReading[] {
    const info = req.transactionInfo as { transactionId: string; chargingState?: string };
    let tx = this.transactions.get(info.transactionId);
    const evseId = (req.evse as { id?: number } | undefined)?.id ?? tx?.evse;
    if (evseId === undefined) {
      this.problems.push({ reason: 'unknown_transaction', detail: `TransactionEvent for ${info.transactionId} names no EVSE and its start was not seen` });
      return [];
    }
    const evse = this.slot(evseId);
    if (!evse) return this.unknownSlot(evseId);
    if (!tx) {
      tx = { evse: evseId };
      this.transactions.set(info.transactionId, tx);
      if (req.eventType === 'Started') evse.sessions++;
    }
    if (info.chargingState !== undefined) evse.chargingState = info.chargingState;
    const values = (req.meterValue as MeterValue201[] | undefined) ?? [];
    const out = values.flatMap((mv) => this.meter(evseId, mv, tx));
    if (req.eventType === 'Ended') {
      this.transactions.delete(info.transactionId);
      evse.chargingState = undefined;
    }
    return out.length > 0 ? out : [this.reading(evseId, {}, parseTime(req.timestamp))];
  }

  private meter(evseId: number, mv: MeterValue201, tx: { startWh?: number } | undefined): TappedReading[] {
    let signals: MeterSignals;
    try {
      signals = meterSignals(asMeterValue16(mv));
    } catch (err) {
      if (!(err instanceof MeterValueError)) throw err;
      this.problems.push({ reason: err.reason, detail: err.message });
      return [];
    }
    const register = signals.energyDeliveredWh;
    if (tx && register !== undefined && tx.startWh === undefined) tx.startWh = register;
    const session = tx?.startWh !== undefined && register !== undefined ? { sessionEnergyWh: register - tx.startWh } : {};
    return [this.reading(evseId, { ...signals, ...session }, parseTime(mv.timestamp))];
  }



  private reading(evseId: number, values: MeterSignals & { sessionEnergyWh?: number }, ts?: number): TappedReading {
    const state = this.slot(evseId)!;
    const status = state.reported === 'Occupied' ? WHILE_OCCUPIED[state.chargingState ?? ''] : state.reported && DIRECT[state.reported];
    const problems = this.model.standing(evseId);
    const errors = this.model.heard ? { errorCodes: [...new Set(problems.map((p) => p.code))] as ChargerErrorCode[] } : {};
    const vendor = problems.at(-1)?.vendorErrorCode;
    return this.tapped(evseId, {
      ...(status ? { connectorStatus: status } : {}),
      ...values,
      ...errors,
      ...(vendor !== undefined ? { vendorErrorCode: vendor } : {}),
      sessionCount: state.sessions,
    }, ts);
  }

}

/** 2.0.1 sampled values (numbers, unit and multiplier apart) in the 1.6 shape measurands.ts reads. */
function asMeterValue16(mv: MeterValue201): MeterValue {
  return {
    timestamp: mv.timestamp,
    sampledValue: mv.sampledValue.map((sv) => ({
      value: String(sv.value * 10 ** (sv.unitOfMeasure?.multiplier ?? 0)),
      ...(sv.measurand ? { measurand: sv.measurand } : {}),
      ...(sv.phase ? { phase: sv.phase } : {}),
      ...(sv.location ? { location: sv.location } : {}),
      ...(sv.unitOfMeasure?.unit ? { unit: sv.unitOfMeasure.unit } : {}),
    })),
  };
}
