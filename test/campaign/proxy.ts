/**
 * A TCP proxy in front of an upstream (PostgreSQL, Mosquitto) whose behaviour the campaign switches
 * at run time, and a "black hole" server:
 * - up: bytes flow both ways;
 * - down: new connections are reset at once and open ones are cut (an upstream that is gone);
 * - blackhole: connections are accepted and read, never answered (a broker that accepts TCP but
 *   never acknowledges: the case timeouts exist for). Open connections are cut on the switch so
 *   the client has to come back into the hole.
 * Everything listens on 127.0.0.1 only.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProxyMode = 'up' | 'down' | 'blackhole';

export class FaultProxy {
  mode: ProxyMode = 'up';
  readonly connections = new Set<Socket>();
  accepted = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    let proxy: FaultProxy | undefined;
    const server = createServer((client) => proxy?.handle(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    proxy = new FaultProxy(server, address.port);
    return proxy;
  }

  private handle(client: Socket, target: { host: string; port: number }): void {
    this.accepted++;
    client.on('error', () => undefined);
    if (this.mode === 'down') {
      client.resetAndDestroy();
      return;
    }
    this.connections.add(client);
    client.once('close', () => this.connections.delete(client));
    if (this.mode === 'blackhole') {
      client.resume(); // read and drop everything
      return;
    }
    const upstream = connect(target.port, target.host);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  }

  /** Switches mode; cuts every open connection unless it stays `up`. */
  set(mode: ProxyMode): void {
    if (mode === this.mode) return;
    this.mode = mode;
    for (const c of this.connections) c.resetAndDestroy();
    this.connections.clear();
  }

  async stop(): Promise<void> {
    this.set('down');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Accepts TCP connections, reads them, never writes a byte: a broker that never acknowledges. */
export async function startBlackhole(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('close', () => sockets.delete(s));
    s.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('blackhole has no port');
  return {
    port: address.port,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
