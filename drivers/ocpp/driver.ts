/**
 * The Driver of one OCPP connector. All connectors of an endpoint share one OcppEndpoint (one
 * listening socket), acquired on start and released on stop: the endpoint opens with its first
 * connector and closes with its last, so stop() still releases everything the driver took.
 */
import type { Driver, DriverContext } from '../driver.js';
import { connectorOf, type OcppConfig } from './config.js';
import { OcppEndpoint } from './endpoint.js';

interface Shared {
  endpoint: OcppEndpoint;
  config: OcppConfig;
  users: number;
  ready: Promise<void>;
}

const endpoints = new Map<string, Shared>();

async function acquire(config: OcppConfig, ctx: DriverContext): Promise<OcppEndpoint> {
  let shared = endpoints.get(config.listen);
  if (shared && JSON.stringify(shared.config) !== JSON.stringify(config)) {
    throw new Error(`OCPP endpoint ${config.listen} is configured twice with different settings: give each ocpp entry its own listen address`);
  }
  if (!shared) {
    const endpoint = new OcppEndpoint(config, ctx.log.child({ ocppEndpoint: config.listen }), () => ctx.clock.now());
    shared = { endpoint, config, users: 0, ready: endpoint.start() };
    endpoints.set(config.listen, shared);
    shared.ready.catch(() => endpoints.delete(config.listen));
  }
  shared.users++;
  try {
    await shared.ready;
  } catch (err) {
    shared.users--;
    throw err;
  }
  return shared.endpoint;
}

async function release(config: OcppConfig): Promise<void> {
  const shared = endpoints.get(config.listen);
  if (!shared || --shared.users > 0) return;
  endpoints.delete(config.listen);
  await shared.endpoint.stop();
}

export class OcppDriver implements Driver {
  readonly type = 'ocpp';
  private endpoint: OcppEndpoint | undefined;

  constructor(
    private readonly config: OcppConfig,
    private readonly deviceId: string,
  ) {
    if (!connectorOf(config, deviceId)) throw new Error(`device ${deviceId} is not a connector of the OCPP endpoint ${config.listen}`);
  }

  /** The endpoint is the gateway's own socket: there is nothing to probe before chargers connect. */
  async probe(): Promise<boolean> {
    return true;
  }

  async start(ctx: DriverContext): Promise<void> {
    ctx.setState('starting');
    this.endpoint = await acquire(this.config, ctx);
    this.endpoint.subscribe(this.deviceId, { emit: (r) => ctx.emit(r), setState: (s) => ctx.setState(s), reportError: (reason, detail) => ctx.reportError(reason, detail) });
  }

  async stop(): Promise<void> {
    if (!this.endpoint) return;
    this.endpoint.unsubscribe(this.deviceId);
    this.endpoint = undefined;
    await release(this.config);
  }

  /** The running endpoint (tests and the bench read its port and counters). */
  get sharedEndpoint(): OcppEndpoint | undefined {
    return this.endpoint;
  }
}
