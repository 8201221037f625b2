/**
 * One OCPP endpoint of the gateway: the listening socket chargers connect to, the allow-list and
 * authentication, and the dispatch of tapped readings to the connector devices.
 *
 * Invariants:
 * - Only allow-listed identities connect, and (security profile >= 1) only with their password,
 *   compared in constant time. Profile 2 listens on TLS only.
 * - Everything a charger does wrong is answered the protocol's way (CALLERROR, or an HTTP error on
 *   the upgrade), counted per reason on that charger's devices, and touches no other charger: each
 *   connection has its own handlers, counters and (in proxy mode) its own CSMS connection.
 * - A charger that reconnects replaces its previous connection (the old one is closed): OCPP
 *   allows one connection per identity.
 * - Per charge point, the tap (sessions, open transactions) outlives connections.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { DriverReading, DriverState } from '../driver.js';
import { connectorDeviceId, connectorOf, type ChargePointConfig, type OcppConfig } from './config.js';
import { ChargePointTap } from './tap16.js';
import type { ChargerTap } from './tap-base.js';
import { ChargingStationTap201 } from './tap201.js';
import { RPCServer, type RpcClient, type RpcHandshake, type RpcServer } from './rpc.js';
import { serveCentralSystem } from './central-system.js';
import { openUpstream, serveProxy, type Upstream } from './proxy.js';

/** What a connector device hands the endpoint. */
export interface ConnectorListener {
  emit(reading: DriverReading): void;
  setState(state: DriverState): void;
  reportError(reason: string, detail?: unknown): void;
}

/** What the mode-specific glue (proxy, central system) gets for one charger connection. */
export interface ChargerSession {
  readonly client: RpcClient;
  readonly chargePoint: ChargePointConfig;
  readonly tap: ChargerTap;
  readonly log: Logger;
  /** Hand tapped readings of an exchange to the connector devices. */
  exchange(action: string, request: unknown, response: unknown): void;
  /** Count a problem of this charger; after max_bad_messages in a row, disconnect it. */
  bad(reason: string, detail?: unknown): void;
  /** Count something the charger did that is not malformed (e.g. an action we do not answer). */
  note(reason: string, detail?: unknown): void;
  /** A message went through fine: the bad-message streak ends. */
  good(): void;
}

export class OcppEndpoint {
  private http: Server | undefined;
  private rpc: RpcServer | undefined;
  private readonly listeners = new Map<string, ConnectorListener>();
  /** Per identity and subprotocol: a charger that reconnects speaking another version starts afresh. */
  private readonly taps = new Map<string, ChargerTap>();
  private readonly connected = new Map<string, RpcClient>();
  private readonly counts = new Map<string, number>();

  constructor(
    readonly config: OcppConfig,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The bound port (useful with port 0). */
  get port(): number {
    return (this.http?.address() as AddressInfo | null)?.port ?? 0;
  }

  async start(): Promise<void> {
    const { config } = this;
    const rpc = new RPCServer({
      protocols: config.protocols,
      // The central system validates both ways through the library; the proxy validates the
      // charger's calls itself and never touches the CSMS's answers (see proxy.ts).
      strictMode: config.mode === 'central_system',
      maxBadMessages: Infinity,
      pingIntervalMs: 30_000,
    });
    rpc.auth((accept, reject, handshake) => this.authenticate(accept, reject, handshake));
    rpc.on('client', (client: RpcClient) => this.onClient(client));
    const http = config.tls
      ? createHttpsServer({ cert: readFileSync(config.tls.cert_file), key: readFileSync(config.tls.key_file) })
      : createHttpServer();
    http.on('request', (_req, res) => res.writeHead(404).end());
    http.on('upgrade', rpc.handleUpgrade);
    const at = config.listen.lastIndexOf(':');
    const host = config.listen.slice(0, at).replace(/^\[|\]$/g, '');
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(Number(config.listen.slice(at + 1)), host, () => {
        http.off('error', reject);
        resolve();
      });
    });
    this.http = http;
    this.rpc = rpc;
    this.log.info({ listen: config.listen, port: this.port, mode: config.mode, tls: Boolean(config.tls) }, 'OCPP endpoint listening');
  }

  async stop(): Promise<void> {
    await this.rpc?.close({ code: 1001, reason: 'gateway stopping', force: true });
    const http = this.http;
    this.http = undefined;
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  }

  subscribe(deviceId: string, listener: ConnectorListener): void {
    this.listeners.set(deviceId, listener);
    const identity = connectorOf(this.config, deviceId)?.chargePoint.identity;
    if (identity === undefined || !this.connected.has(identity)) listener.setState('stale');
  }

  unsubscribe(deviceId: string): void {
    this.listeners.delete(deviceId);
  }

  /** Problems counted per reason since start (all chargers), for tests and the bench. */
  errorCounts(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort());
  }

  private count(identity: string | undefined, reason: string, detail?: unknown): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    // A charger's problems count on its first connector's device; a stranger's on the endpoint's first device.
    const cp = this.config.charge_points.find((c) => c.identity === identity) ?? this.config.charge_points[0]!;
    this.listeners.get(connectorDeviceId(cp.identity, 1))?.reportError(reason, detail);
  }

  private async authenticate(accept: (session?: Record<string, unknown>, protocol?: string) => void, reject: (code?: number, message?: string) => void, handshake: RpcHandshake): Promise<void> {
    const { config } = this;
    const cp = config.charge_points.find((c) => c.identity === handshake.identity);
    if (handshake.endpoint !== (config.path || '/') || !cp) {
      this.count(undefined, 'unknown_identity', { identity: handshake.identity, endpoint: handshake.endpoint, from: handshake.remoteAddress });
      return reject(404, 'Not found');
    }
    if (config.security_profile >= 1 && !passwordMatches(handshake.password, cp.password!)) {
      this.count(cp.identity, handshake.password ? 'bad_password' : 'no_password', { from: handshake.remoteAddress });
      return reject(401, 'Unauthorized');
    }
    const protocol = config.protocols.find((p) => handshake.protocols.has(p));
    if (!protocol) {
      this.count(cp.identity, 'no_common_protocol', { offered: [...handshake.protocols] });
      return reject(400, `expected one of the subprotocols ${config.protocols.join(', ')}`);
    }
    if (config.mode === 'central_system') return accept({}, protocol);
    // Proxy: the charger is admitted only when its CSMS connection is open, so it never sees a
    // gateway that looks like a central system but cannot answer as one.
    try {
      const upstream: Upstream = await openUpstream(config.csms!, cp, protocol, this.log);
      accept({ upstream }, protocol);
    } catch (err) {
      this.count(cp.identity, 'csms_unreachable', { message: (err as Error).message });
      reject(503, 'CSMS unreachable');
    }
  }

  private onClient(client: RpcClient): void {
    const cp = this.config.charge_points.find((c) => c.identity === client.identity)!;
    const log = this.log.child({ chargePoint: cp.identity });
    const previous = this.connected.get(cp.identity);
    if (previous) void previous.close({ code: 1000, reason: 'replaced by a new connection', force: true });
    this.connected.set(cp.identity, client);
    const tapKey = `${cp.identity}|${client.protocol}`;
    let tap = this.taps.get(tapKey);
    if (!tap) {
      const maintained = cp.maintained_at ? Date.parse(cp.maintained_at) : undefined;
      const since = maintained === undefined ? undefined : () => Math.max(0, (this.now() - maintained) / 1000);
      tap = client.protocol === 'ocpp2.0.1' ? new ChargingStationTap201(cp.connectors, this.now, since) : new ChargePointTap(cp.connectors, this.now, since);
      this.taps.set(tapKey, tap);
    }
    let streak = 0;
    const session: ChargerSession = {
      client,
      chargePoint: cp,
      tap,
      log,
      exchange: (action, request, response) => this.dispatch(cp, tap, action, request, response),
      bad: (reason, detail) => {
        this.count(cp.identity, reason, detail);
        if (++streak >= this.config.max_bad_messages) {
          log.warn({ streak }, 'too many bad messages in a row; disconnecting the charger');
          void client.close({ code: 1008, reason: 'too many bad messages', force: true });
        }
      },
      note: (reason, detail) => this.count(cp.identity, reason, detail),
      good: () => {
        streak = 0;
      },
    };
    client.once('close', () => {
      if (this.connected.get(cp.identity) === client) {
        this.connected.delete(cp.identity);
        for (let c = 1; c <= cp.connectors; c++) this.listeners.get(connectorDeviceId(cp.identity, c))?.setState('stale');
      }
      log.info('charger disconnected');
    });
    for (let c = 1; c <= cp.connectors; c++) this.listeners.get(connectorDeviceId(cp.identity, c))?.setState('running');
    log.info({ protocol: client.protocol }, 'charger connected');
    if (this.config.mode === 'central_system') serveCentralSystem(session, this.config, this.now);
    else serveProxy(session, client.session.upstream as Upstream);
  }

  private dispatch(cp: ChargePointConfig, tap: ChargerTap, action: string, request: unknown, response: unknown): void {
    for (const { connector, reading } of tap.exchange(action, request, response)) {
      this.listeners.get(connectorDeviceId(cp.identity, connector))?.emit(reading);
    }
    for (const problem of tap.takeProblems()) this.count(cp.identity, problem.reason, problem.detail);
  }
}

function passwordMatches(given: Buffer | undefined, expected: string): boolean {
  if (!given) return false;
  const want = Buffer.from(expected, 'utf8');
  return given.length === want.length && timingSafeEqual(given, want);
}
