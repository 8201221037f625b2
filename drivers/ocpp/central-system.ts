/**
 * The standalone central system (OCPP 1.6-J and 2.0.1) for sites without a CSMS. It answers only
 * what the gateway can honour:
 * - BootNotification: Accepted, the gateway's time and the configured heartbeat interval.
 * - Heartbeat, StatusNotification, MeterValues: acknowledged.
 * - Authorize, StartTransaction, StopTransaction: against the configured local authorisation list
 *   (unknown idTag -> Invalid; past expiry -> Expired); transaction ids are unique across restarts
 *   (seconds since 2020 or the last id + 1, whichever is larger).
 * - 2.0.1: the same for BootNotification, Heartbeat, StatusNotification, MeterValues; Authorize and
 *   TransactionEvent check idTokens against the same list (the station issues transaction ids);
 *   NotifyEvent, NotifyReport and NotifyMonitoringReport are acknowledged (problems, temperatures).
 *   TransactionEvent.conf carries no totalCost: the gateway knows no tariff.
 * Every other action gets NotImplemented (the library's answer for a method without a handler):
 * the gateway cannot keep firmware, diagnostics, reservations or data transfers it has no use for.
 * Schema validation both ways is ocpp-rpc's strict mode; its failures are counted per reason.
 */
import type { OcppConfig } from './config.js';
import type { ChargerSession } from './endpoint.js';
import { errorReason, type RpcCall } from './rpc.js';

const EPOCH_2020_MS = Date.UTC(2020, 0, 1);
let lastTransactionId = 0;

/** A transaction id no earlier run of this gateway can have issued (at most one per second on average). */
export function nextTransactionId(now: number): number {
  lastTransactionId = Math.max(lastTransactionId + 1, Math.floor((now - EPOCH_2020_MS) / 1000));
  return lastTransactionId;
}

type IdTagStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid';

export function serveCentralSystem(session: ChargerSession, config: OcppConfig, now: () => number): void {
  const { client } = session;
  const iso = () => new Date(now()).toISOString();
  const idTagInfo = (idTag: string): { status: IdTagStatus; expiryDate?: string } => {
    const entry = config.authorization_list.find((e) => e.id_tag === idTag);
    if (!entry) return { status: 'Invalid' };
    if (entry.expiry && Date.parse(entry.expiry) <= now()) return { status: 'Expired', expiryDate: entry.expiry };
    return { status: entry.status, ...(entry.expiry ? { expiryDate: entry.expiry } : {}) };
  };
  // Each handler answers, then the exchange is tapped with exactly the answer sent.
  const answer = <T>(action: string, respond: (params: Record<string, unknown>) => T) =>
    client.handle(action, ({ params }: RpcCall) => {
      const response = respond(params as Record<string, unknown>);
      session.good();
      session.exchange(action, params, response);
      return response;
    });

  answer('BootNotification', () => ({ status: 'Accepted', currentTime: iso(), interval: config.heartbeat_interval_s }));
  answer('Heartbeat', () => ({ currentTime: iso() }));
  answer('StatusNotification', () => ({}));
  answer('MeterValues', () => ({}));
  if (client.protocol === 'ocpp2.0.1') {
    // 2.0.1: the station numbers its transactions itself; the gateway only authorises idTokens.
    const idTokenInfo = (p: Record<string, unknown>) => {
      const { status, expiryDate } = idTagInfo((p.idToken as { idToken: string }).idToken);
      return { status, ...(expiryDate ? { cacheExpiryDateTime: expiryDate } : {}) };
    };
    answer('Authorize', (p) => ({ idTokenInfo: idTokenInfo(p) }));
    answer('TransactionEvent', (p) => (p.idToken ? { idTokenInfo: idTokenInfo(p) } : {}));
    // Device-model reports: problems, temperatures and the units they are in (NotifyEvent.conf and
    // the two report confirmations are empty objects in the 2.0.1 schemas).
    answer('NotifyEvent', () => ({}));
    answer('NotifyReport', () => ({}));
    answer('NotifyMonitoringReport', () => ({}));
  } else {
    answer('Authorize', (p) => ({ idTagInfo: idTagInfo(p.idTag as string) }));
    answer('StartTransaction', (p) => ({ transactionId: nextTransactionId(now()), idTagInfo: idTagInfo(p.idTag as string) }));
    answer('StopTransaction', (p) => (typeof p.idTag === 'string' ? { idTagInfo: idTagInfo(p.idTag) } : {}));
  }

  client.on('badMessage', ({ error }: { error: { rpcErrorCode?: string; message: string } }) => session.bad(errorReason(error.rpcErrorCode), error.message));
  client.on('strictValidationFailure', ({ error, method, outbound }: { error: { rpcErrorCode?: string; message: string }; method: string; outbound: boolean }) => {
    if (!outbound) session.bad(errorReason(error.rpcErrorCode), `${method}: ${error.message}`);
  });
  client.on('callError', ({ error, method, outbound }: { error: { rpcErrorCode?: string }; method: string; outbound: boolean }) => {
    if (!outbound && error.rpcErrorCode === 'NotImplemented') session.note('not_implemented', `${method} is not answered by the gateway's central system`);
  });
}
