/**
 * Turns the OCPP 1.6 exchanges of one charge point (a request and the central system's answer)
 * into per-connector readings. Used the same way by the proxy (answers from the CSMS) and by the
 * standalone central system (our own answers).
 *
 * Invariants:
 * - A reading carries what the message reported plus the connector's standing state: its status
 *   and error codes (which hold until the next StatusNotification says otherwise), the sessions
 *   counted, and the vendor error code. Nothing else is carried forward: power, energy, current,
 *   voltage, temperature and SoC appear only in the reading of the message that reported them.
 * - Connector 0 is the charge point as a whole: its error code is added to every connector's
 *   error codes; its status is not (a connector's status is reported for that connector).
 * - A session counts once per StartTransaction the central system confirmed, even when the
 *   charger re-sends it after an outage (same connector, timestamp and meterStart).
 * - Times: the charger's own timestamps (MeterValues, Start/Stop, StatusNotification) date the
 *   reading, so messages queued while offline keep their time; otherwise the gateway's.
 */
import type { ChargerErrorCode, ConnectorStatus } from '../../core/record.js';
import { OCPP_CONNECTOR_STATUSES, OCPP_ERROR_CODES } from '../../core/record.js';
import { meterSignals, MeterValueError, type MeterSignals, type MeterValue } from './measurands.js';
import { parseTime, TapBase, type TappedReading } from './tap-base.js';

interface ConnectorState {
  status?: ConnectorStatus;
  errorCode?: ChargerErrorCode;
  vendorErrorCode?: string;
  sessions: number;
}

interface Transaction {
  connector: number;
  meterStartWh: number;
}

const SEEN_STARTS = 256;

export class ChargePointTap extends TapBase<ConnectorState> {
  /** Connector 0: the charge point as a whole. */
  private readonly whole: ConnectorState = { sessions: 0 };
  private readonly transactions = new Map<number, Transaction>();
  private readonly seenStarts: string[] = [];

  protected fresh(): ConnectorState {
    return { sessions: 0 };
  }

  exchange(action: string, request: unknown, response: unknown): TappedReading[] {
    const req = request as Record<string, unknown>;
    switch (action) {
      case 'StatusNotification':
        return this.status(req);
      case 'MeterValues':
        return this.meterValues(req);
      case 'StartTransaction':
        return response === undefined ? [] : this.start(req, response as Record<string, unknown>);
      case 'StopTransaction':
        return this.stop(req);
      case 'Heartbeat':
      case 'BootNotification':
        // The charger is alive: its connectors' standing state, dated now.
        return this.numbers().map((c) => this.reading(c, {}));
      default:
        return [];
    }
  }

  private status(req: Record<string, unknown>): TappedReading[] {
    const connector = req.connectorId as number;
    const state = this.slot(connector);
    if (!state && connector !== 0) return this.unknownSlot(connector);
    const target = state ?? this.whole;
    target.status = (OCPP_CONNECTOR_STATUSES as readonly string[]).includes(req.status as string) ? (req.status as ConnectorStatus) : undefined;
    const code = req.errorCode as string;
    target.errorCode = code !== 'NoError' && (OCPP_ERROR_CODES as readonly string[]).includes(code) ? (code as ChargerErrorCode) : undefined;
    target.vendorErrorCode = typeof req.vendorErrorCode === 'string' && req.vendorErrorCode !== '' ? req.vendorErrorCode : undefined;
    const ts = parseTime(req.timestamp);
    const connectors = connector === 0 ? this.numbers() : [connector];
    return connectors.map((c) => this.reading(c, {}, ts));
  }

  private meterValues(req: Record<string, unknown>): TappedReading[] {
    const connector = req.connectorId as number;
    if (connector === 0) return []; // the charge point's main meter is not a connector's
    if (!this.slot(connector)) return this.unknownSlot(connector);
    const tx = typeof req.transactionId === 'number' ? this.transactions.get(req.transactionId) : undefined;
    const out: TappedReading[] = [];
    for (const mv of req.meterValue as MeterValue[]) {
      let signals: MeterSignals;
      try {
        signals = meterSignals(mv);
      } catch (err) {
        if (!(err instanceof MeterValueError)) throw err;
        this.problems.push({ reason: err.reason, detail: err.message });
        continue;
      }
      const session = tx && signals.energyDeliveredWh !== undefined ? { sessionEnergyWh: signals.energyDeliveredWh - tx.meterStartWh } : {};
      out.push(this.reading(connector, { ...signals, ...session }, parseTime(mv.timestamp)));
    }
    return out;
  }

  private start(req: Record<string, unknown>, conf: Record<string, unknown>): TappedReading[] {
    const connector = req.connectorId as number;
    const state = this.slot(connector);
    if (!state) return this.unknownSlot(connector);
    const meterStartWh = req.meterStart as number;
    this.transactions.set(conf.transactionId as number, { connector, meterStartWh });
    const key = `${connector}|${String(req.timestamp)}|${meterStartWh}`;
    if (!this.seenStarts.includes(key)) {
      state.sessions++;
      this.seenStarts.push(key);
      if (this.seenStarts.length > SEEN_STARTS) this.seenStarts.shift();
    }
    return [this.reading(connector, { energyDeliveredWh: meterStartWh, sessionEnergyWh: 0 }, parseTime(req.timestamp))];
  }

  private stop(req: Record<string, unknown>): TappedReading[] {
    const tx = this.transactions.get(req.transactionId as number);
    if (!tx) {
      // StopTransaction names no connector: without the start (e.g. the gateway restarted) it cannot be placed.
      this.problems.push({ reason: 'unknown_transaction', detail: `StopTransaction for transaction ${String(req.transactionId)} whose start this gateway did not see` });
      return [];
    }
    this.transactions.delete(req.transactionId as number);
    const meterStopWh = req.meterStop as number;
    return [this.reading(tx.connector, { energyDeliveredWh: meterStopWh, sessionEnergyWh: meterStopWh - tx.meterStartWh }, parseTime(req.timestamp))];
  }





  private reading(connector: number, values: MeterSignals & { sessionEnergyWh?: number }, ts?: number): TappedReading {
    const state = this.slot(connector)!;
    const errorCodes = [...new Set([state.errorCode, this.whole.errorCode].filter((e): e is ChargerErrorCode => e !== undefined))];
    const vendorErrorCode = state.vendorErrorCode ?? this.whole.vendorErrorCode;
    return this.tapped(connector, {
      ...(state.status ? { connectorStatus: state.status } : {}),
      ...values,
      errorCodes,
      ...(vendorErrorCode !== undefined ? { vendorErrorCode } : {}),
      sessionCount: state.sessions,
    }, ts);
  }

}
