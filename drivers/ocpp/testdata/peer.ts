/**
 * Independent OCPP-J peers for the tests and the bench, written by hand on the `ws` package from
 * the OCPP-J 1.6 and 2.0.1 specifications (frames [2,id,action,payload] / [3,id,payload] /
 * [4,id,code,description,details], subprotocol "ocpp1.6" or "ocpp2.0.1", basic auth user = identity). They share
 * no code with the driver and do not use ocpp-rpc, so a mistake in the driver's library or in our
 * use of it cannot cancel out on both ends.
 *
 * RawChargePoint behaves like a real charge point (OCPP 1.6 §4.7 and §3.3, 2.0.1 E04): one
 * outstanding CALL at a time; transaction messages (Start/StopTransaction, MeterValues with a
 * transactionId; 2.0.1 TransactionEvent) are
 * queued while offline and delivered in order after reconnecting; a transaction message whose
 * answer never came is re-sent, same id and payload, before anything newer.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

export type Frame = unknown[];
// OCPP 1.6 §4.7 / OCPP 2.0.1 E04: the messages a charger must keep while offline.
const TRANSACTIONAL = new Set(['StartTransaction', 'StopTransaction', 'TransactionEvent']);

interface Outgoing {
  id: string;
  action: string;
  payload: Record<string, unknown>;
  resolve: (answer: Frame) => void;
}

export class RawChargePoint {
  /** Every CALL put on the wire, in order (re-sends included). */
  readonly sent: Array<{ id: string; action: string; payload: unknown }> = [];
  /** Calls the central system made, with our answers. */
  readonly received: Frame[] = [];
  private ws: WebSocket | undefined;
  private readonly queue: Outgoing[] = [];
  private inFlight: Outgoing | undefined;
  private nextId = 1;
  private stopped = false;
  connects = 0;
  lastUpgradeStatus: number | undefined;

  constructor(
    private readonly url: string,
    readonly identity: string,
    private readonly options: { password?: string; ca?: Buffer; reconnectMs?: number; protocol?: 'ocpp1.6' | 'ocpp2.0.1'; answer?: (action: string, payload: unknown) => unknown } = {},
  ) {}

  get online(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Connects (and keeps reconnecting after a loss until stop()). Resolves on the first open. */
  connect(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      if (this.options.password !== undefined) headers.authorization = `Basic ${Buffer.from(`${this.identity}:${this.options.password}`).toString('base64')}`;
      const ws = new WebSocket(`${this.url}/${this.identity}`, [this.options.protocol ?? 'ocpp1.6'], { headers, ...(this.options.ca ? { ca: this.options.ca } : {}) });
      this.ws = ws;
      ws.on('unexpected-response', (_req, res) => {
        this.lastUpgradeStatus = res.statusCode;
        ws.terminate();
      });
      ws.on('error', (err) => reject(err));
      ws.on('open', () => {
        this.connects++;
        resolve();
        this.pump();
      });
      ws.on('message', (data) => this.onFrame(data.toString()));
      ws.on('close', () => {
        if (this.ws === ws) this.ws = undefined;
        // The answer to the outstanding call is lost with the connection: re-send it first.
        if (this.inFlight) {
          if (this.isTransactional(this.inFlight)) this.queue.unshift(this.inFlight);
          this.inFlight = undefined;
        }
        if (!this.stopped) setTimeout(() => this.connect().catch(() => undefined), this.options.reconnectMs ?? 100).unref();
      });
    });
  }

  /** Queue a call; resolves with the answer frame. Non-transaction calls made offline are dropped (resolve undefined). */
  call(action: string, payload: Record<string, unknown>): Promise<Frame | undefined> {
    const out: Omit<Outgoing, 'resolve'> = { id: `${this.identity}-${this.nextId++}`, action, payload };
    if (!this.online && !this.isTransactional(out)) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.queue.push({ ...out, resolve });
      this.pump();
    });
  }

  /** Send any text; resolves with the next frame that answers it (or null after timeoutMs). */
  sendText(text: string, timeoutMs = 2000): Promise<Frame | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      this.ws!.once('message', (data) => {
        clearTimeout(timer);
        resolve(JSON.parse(data.toString()) as Frame);
      });
      this.ws!.send(text);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.terminate();
    });
  }

  private isTransactional(out: Pick<Outgoing, 'action' | 'payload'>): boolean {
    return TRANSACTIONAL.has(out.action) || (out.action === 'MeterValues' && out.payload.transactionId !== undefined);
  }

  private pump(): void {
    if (this.inFlight || !this.online) return;
    const next = this.queue.shift();
    if (!next) return;
    this.inFlight = next;
    this.sent.push({ id: next.id, action: next.action, payload: next.payload });
    this.ws!.send(JSON.stringify([2, next.id, next.action, next.payload]));
  }

  private onFrame(text: string): void {
    const frame = JSON.parse(text) as Frame;
    if (frame[0] === 2) {
      const answer = this.options.answer?.(frame[2] as string, frame[3]) ?? { status: 'Accepted' };
      this.received.push(frame);
      this.ws?.send(JSON.stringify([3, frame[1], answer]));
      return;
    }
    if (this.inFlight && frame[1] === this.inFlight.id) {
      const done = this.inFlight;
      this.inFlight = undefined;
      done.resolve(frame);
      this.pump();
    }
  }
}

/** A minimal CSMS: answers the core profile, logs every frame it receives, can die and come back. */
export class RawCsms {
  /** Every frame received from chargers, as [identity, frame], in arrival order. */
  readonly log: Array<{ identity: string; frame: Frame; text: string }> = [];
  private http: Server | undefined;
  private wss: WebSocketServer | undefined;
  private readonly sockets = new Map<string, WebSocket>();
  private nextTransaction = 1000;
  /** When set and true for a received CALL, the CSMS dies before answering it. */
  dieOn: ((action: string, payload: Record<string, unknown>) => boolean) | undefined;
  readonly answersTo = new Map<string, (frame: Frame) => void>();

  constructor(
    private readonly passwords: Record<string, string> = {},
    private readonly tls?: { cert: Buffer; key: Buffer },
  ) {}

  async start(port = 0): Promise<number> {
    const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => (offered.has('ocpp2.0.1') ? 'ocpp2.0.1' : offered.has('ocpp1.6') ? 'ocpp1.6' : false) });
    const http = this.tls ? createTlsServer(this.tls) : createServer();
    http.on('request', (_req, res) => res.writeHead(404).end());
    http.on('upgrade', (req: IncomingMessage, socket, head) => {
      const identity = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
      const want = this.passwords[identity];
      const got = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (want !== undefined && (!got || Buffer.from(got, 'base64').toString() !== `${identity}:${want}`)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(identity, ws));
    });
    await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
    this.http = http;
    this.wss = wss;
    return (http.address() as AddressInfo).port;
  }

  /** Abrupt outage: every connection dropped, the port closed. */
  async stop(): Promise<void> {
    for (const ws of this.sockets.values()) ws.terminate();
    this.sockets.clear();
    this.wss?.close();
    const http = this.http;
    this.http = undefined;
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  }

  connected(identity: string): boolean {
    return this.sockets.get(identity)?.readyState === WebSocket.OPEN;
  }

  /** A CSMS-initiated call; resolves with the charger's answer frame. */
  call(identity: string, id: string, action: string, payload: unknown): Promise<Frame> {
    return new Promise((resolve) => {
      this.answersTo.set(id, resolve);
      this.sockets.get(identity)!.send(JSON.stringify([2, id, action, payload]));
    });
  }

  calls(identity?: string): Array<{ id: string; action: string; payload: unknown }> {
    return this.log
      .filter((e) => e.frame[0] === 2 && (identity === undefined || e.identity === identity))
      .map((e) => ({ id: e.frame[1] as string, action: e.frame[2] as string, payload: e.frame[3] }));
  }

  private onConnection(identity: string, ws: WebSocket): void {
    this.sockets.set(identity, ws);
    ws.on('message', (data) => {
      const text = data.toString();
      const frame = JSON.parse(text) as Frame;
      this.log.push({ identity, frame, text });
      if (frame[0] !== 2) {
        this.answersTo.get(frame[1] as string)?.(frame);
        return;
      }
      const [, id, action, payload] = frame as [number, string, string, Record<string, unknown>];
      if (this.dieOn?.(action, payload)) {
        this.dieOn = undefined;
        void this.stop();
        return;
      }
      ws.send(JSON.stringify([3, id, this.answer(action)]));
    });
  }

  private answer(action: string): unknown {
    const now = new Date().toISOString();
    switch (action) {
      case 'BootNotification':
        return { status: 'Accepted', currentTime: now, interval: 60 };
      case 'Heartbeat':
        return { currentTime: now };
      case 'Authorize':
        return { idTagInfo: { status: 'Accepted' } };
      case 'StartTransaction':
        return { transactionId: this.nextTransaction++, idTagInfo: { status: 'Accepted' } };
      default:
        return {};
    }
  }
}

export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
