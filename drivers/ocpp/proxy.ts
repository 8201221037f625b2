/**
 * Proxy mode: one CSMS connection per charger connection, every frame forwarded both ways as the
 * exact text received (same message ids, same bytes, same order), and every answered exchange
 * tapped into records.
 *
 * CSMS outage (the decision, documented in the README): the proxy never answers in the CSMS's
 * place. When the CSMS connection closes, the charger's connection is closed at once, and a call
 * the CSMS had not answered stays unanswered; while the CSMS is unreachable, chargers are refused
 * at the upgrade (HTTP 503). The charger therefore sees its central system as gone and does what
 * OCPP 1.6 §4.7 requires: it keeps transaction messages (Start/StopTransaction, transaction
 * MeterValues) in its offline queue and delivers them, in order, when it reconnects. Answering
 * locally (a transactionId, an Accepted idTag) could be contradicted by the CSMS later.
 *
 * Validation: a charger's calls are checked against the schemas of the negotiated subprotocol
 * (OCPP 1.6 or 2.0.1) before they leave; an
 * invalid call gets the CALLERROR the schema violation calls for and is not forwarded. Answers and
 * CSMS calls are forwarded unchecked: judging them is the CSMS's and the charger's business.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { ChargePointConfig, OcppConfig } from './config.js';
import type { ChargerSession } from './endpoint.js';
import { createRPCError, errorReason, NOREPLY, validators, type RpcCall } from './rpc.js';

const CALL = 2;
const CALLRESULT = 3;
const CALLERROR = 4;

export interface Upstream {
  readonly ws: WebSocket;
  /** The charger's connection took this upstream over (else it closes itself after 10 s). */
  claim(): void;
}

/** Opens the charger's CSMS connection; rejects when the CSMS refuses or does not answer in time. */
export function openUpstream(csms: NonNullable<OcppConfig['csms']>, cp: ChargePointConfig, protocol: string, log: Logger): Promise<Upstream> {
  const url = `${csms.url.replace(/\/$/, '')}/${encodeURIComponent(cp.identity)}`;
  const headers: Record<string, string> = {};
  if (cp.csms_password) headers.authorization = `Basic ${Buffer.from(`${cp.identity}:${cp.csms_password}`).toString('base64')}`;
  const ws = new WebSocket(url, [protocol], {
    headers,
    handshakeTimeout: csms.connect_timeout_ms,
    ...(csms.ca_file ? { ca: readFileSync(csms.ca_file) } : {}),
  });
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      reject(err);
    };
    ws.once('open', () => {
      ws.off('error', fail);
      if (ws.protocol !== protocol) return fail(new Error(`CSMS chose subprotocol "${ws.protocol}", expected ${protocol}`));
      // Unclaimed (the charger's upgrade failed after we connected): do not keep it open.
      const unclaimed = setTimeout(() => ws.close(1000), 10_000);
      unclaimed.unref();
      log.debug({ url }, 'CSMS connection open');
      resolve({ ws, claim: () => clearTimeout(unclaimed) });
    });
    ws.once('error', fail);
    ws.once('unexpected-response', (_req, res) => fail(new Error(`CSMS answered the upgrade with HTTP ${res.statusCode}`)));
  });
}

interface PendingCall {
  action: string;
  params: unknown;
  done: () => void;
}

export function serveProxy(session: ChargerSession, upstream: Upstream): void {
  const { client, log } = session;
  const { ws } = upstream;
  upstream.claim();
  /** Charger calls forwarded and not yet answered by the CSMS, by message id. */
  const fromCharger = new Map<string, PendingCall>();
  /** CSMS calls forwarded and not yet answered by the charger. */
  const fromCsms = new Set<string>();
  let lastInbound: string | undefined;
  let closed = false;

  const shutDown = (why: string) => {
    if (closed) return;
    closed = true;
    log.info({ why }, 'closing the charger and CSMS connections together');
    for (const pending of fromCharger.values()) pending.done();
    fromCharger.clear();
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000);
    void client.close({ code: 1012, reason: why, force: true });
  };

  // The exact text of each inbound charger frame, so the CSMS gets the bytes the charger sent.
  client.on('message', ({ message, outbound }: { message: string; outbound: boolean }) => {
    if (!outbound) lastInbound = message;
  });

  client.handle(({ messageId, method, params }: RpcCall) => {
    const raw = lastInbound;
    lastInbound = undefined;
    try {
      validators[client.protocol]!.validate(`urn:${method}.req`, params);
    } catch (err) {
      const code = (err as { rpcErrorCode?: string }).rpcErrorCode;
      // The validator knows no schema for the action: not an OCPP 1.6 action, so no CSMS answers it.
      if (code === 'ProtocolError') {
        session.note('not_implemented', `${method} is not an ${client.protocol} action`);
        throw createRPCError('NotImplemented', `${method} is not an ${client.protocol} action`);
      }
      session.bad(errorReason(code), `${method}: ${(err as Error).message}`);
      throw err;
    }
    session.good();
    if (closed || ws.readyState !== WebSocket.OPEN) {
      shutDown('CSMS connection lost');
      return NOREPLY;
    }
    return new Promise((resolve) => {
      fromCharger.set(messageId, { action: method, params, done: () => resolve(NOREPLY) });
      ws.send(raw ?? JSON.stringify([CALL, messageId, method, params]));
    });
  });

  // The charger's answers to CSMS calls arrive as responses ocpp-rpc did not ask for.
  client.on('response', ({ payload, outbound }: { payload: unknown[]; outbound: boolean }) => {
    if (outbound) return;
    const id = payload[1] as string;
    if (!fromCsms.delete(id)) return;
    const raw = lastInbound;
    lastInbound = undefined;
    if (ws.readyState === WebSocket.OPEN) ws.send(raw ?? JSON.stringify(payload));
  });
  client.on('badMessage', ({ error }: { error: { rpcErrorCode?: string; message: string; details?: { msgId?: string } } }) => {
    // ocpp-rpc flags the answers to forwarded CSMS calls as unexpected; they were handled above.
    if (error.details?.msgId !== undefined && /unrecognised message ID/.test(error.message)) return;
    session.bad(errorReason(error.rpcErrorCode), error.message);
  });

  ws.on('message', (data: WebSocket.RawData) => {
    const text = data.toString();
    let frame: unknown[];
    try {
      frame = JSON.parse(text) as unknown[];
      if (!Array.isArray(frame) || typeof frame[1] !== 'string') throw new Error('not an OCPP-J frame');
    } catch (err) {
      session.bad('csms_bad_frame', (err as Error).message);
      return;
    }
    const [type, id] = frame as [number, string];
    if (type === CALL) {
      fromCsms.add(id);
      client.sendRaw(text);
      return;
    }
    const pending = fromCharger.get(id);
    if (!pending || (type !== CALLRESULT && type !== CALLERROR)) {
      session.bad('csms_unexpected_frame', `type ${type} id ${id}`);
      return;
    }
    fromCharger.delete(id);
    client.sendRaw(text);
    pending.done();
    session.exchange(pending.action, pending.params, type === CALLRESULT ? frame[2] : undefined);
  });
  ws.on('close', () => shutDown('CSMS connection closed'));
  ws.on('error', (err) => log.warn({ err: err.message }, 'CSMS connection error'));
  client.once('close', () => shutDown('charger disconnected'));
}
