/**
 * The reachability probe against real sockets on 127.0.0.1: what counts as "answers" (a hello's
 * reply, or a connection kept open) and what does not (refused, reset at once, silent).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { API_VERSIONS_HELLO } from './kafka/sink.js';
import { brokerAddress } from './mqtt/sink.js';
import { probeAny, probeTcp, type ProbeHello } from './probe.js';
import { SSL_REQUEST_HELLO } from './timescale/sink.js';

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  sockets.forEach((s) => s.destroy());
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

async function serve(onSocket: (s: Socket) => void): Promise<number> {
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    onSocket(s);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

async function closedPort(): Promise<number> {
  const port = await serve(() => {});
  await new Promise<void>((r) => (servers.pop() as Server).close(() => r()));
  return port;
}

const hello: ProbeHello = { request: Buffer.from('ping'), answered: (b) => b.toString().includes('pong') };

describe('probeTcp', () => {
  it('fails on a refused connection, naming the address', async () => {
    const port = await closedPort();
    await expect(probeTcp({ host: '127.0.0.1', port }, { timeoutMs: 1000 })).rejects.toThrow(`probe 127.0.0.1:${port}: `);
  });

  it('fails when the peer accepts and resets at once (a proxy or load balancer with no backend)', async () => {
    const port = await serve((s) => s.resetAndDestroy());
    await expect(probeTcp({ host: '127.0.0.1', port }, { timeoutMs: 1000 })).rejects.toThrow(/probe/);
  });

  it('answers when the peer keeps the connection open (no hello)', async () => {
    const port = await serve(() => {});
    await probeTcp({ host: '127.0.0.1', port }, { timeoutMs: 1000 });
  });

  it('with a hello, answers only once the reply arrives; a silent peer times out', async () => {
    const replying = await serve((s) => s.once('data', () => {
      s.write('po');
      setTimeout(() => s.write('ng'), 20);
    }));
    await probeTcp({ host: '127.0.0.1', port: replying }, { timeoutMs: 1000, hello });
    const silent = await serve((s) => s.resume());
    await expect(probeTcp({ host: '127.0.0.1', port: silent }, { timeoutMs: 300, hello })).rejects.toThrow('no answer within 300 ms');
  });

  it('probeAny answers when one target does and lists every cause when none does', async () => {
    const [down, up] = [await closedPort(), await serve(() => {})];
    await probeAny([{ host: '127.0.0.1', port: down }, { host: '127.0.0.1', port: up }], { timeoutMs: 1000 });
    const down2 = await closedPort();
    await expect(probeAny([{ host: '127.0.0.1', port: down }, { host: '127.0.0.1', port: down2 }], { timeoutMs: 1000 }))
      .rejects.toThrow(new RegExp(`${down}.*; .*${down2}`));
  });
});

describe("the sinks' hellos", () => {
  it('Kafka ApiVersions v0 and PostgreSQL SSLRequest are the bytes the protocols define', () => {
    // size 23 | api_key 18 | api_version 0 | correlation id | client id "ev-edge-probe" (13 bytes)
    expect(API_VERSIONS_HELLO.request.readInt32BE(0)).toBe(API_VERSIONS_HELLO.request.length - 4);
    expect(API_VERSIONS_HELLO.request.readInt16BE(4)).toBe(18);
    expect(API_VERSIONS_HELLO.request.readInt16BE(6)).toBe(0);
    expect(API_VERSIONS_HELLO.request.subarray(14).toString()).toBe('ev-edge-probe');
    const reply = Buffer.alloc(10);
    reply.writeInt32BE(6, 0);
    reply.writeInt32BE(API_VERSIONS_HELLO.request.readInt32BE(8), 4);
    expect(API_VERSIONS_HELLO.answered(reply)).toBe(true);
    expect(API_VERSIONS_HELLO.answered(reply.subarray(0, 7))).toBe(false);
    expect(SSL_REQUEST_HELLO.request.readInt32BE(0)).toBe(8);
    expect(SSL_REQUEST_HELLO.request.readInt32BE(4)).toBe(80877103);
  });

  it("MQTT URLs give the broker address, with each scheme's default port", () => {
    expect(brokerAddress('mqtt://10.0.0.5')).toEqual({ host: '10.0.0.5', port: 1883 });
    expect(brokerAddress('mqtts://broker.example.net')).toEqual({ host: 'broker.example.net', port: 8883 });
    expect(brokerAddress('wss://broker.example.net/mqtt')).toEqual({ host: 'broker.example.net', port: 443 });
    expect(brokerAddress('mqtt://[::1]:1884')).toEqual({ host: '::1', port: 1884 });
  });
});
