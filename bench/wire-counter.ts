/**
 * Bytes on the TCP connections this process opens, both directions, counted by Node itself
 * (socket.bytesWritten + socket.bytesRead, i.e. everything the sink's client library put on or
 * took off the wire: protocol framing, acknowledgements, metadata, keep-alives), independent of
 * the client library. TCP/IP headers are not included. Every client socket is seen through the
 * `net.client.socket` diagnostics channel, so nothing in the sinks is instrumented.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

export class WireCounter {
  /** Each client socket with the port it connected to (remotePort is gone once it closed). */
  private readonly sockets = new Map<Socket, number | undefined>();
  private readonly onSocket = (message: unknown): void => {
    const socket = (message as { socket: Socket }).socket;
    this.sockets.set(socket, undefined);
    socket.once('connect', () => this.sockets.set(socket, socket.remotePort));
  };

  constructor(private readonly port: number) {
    subscribe('net.client.socket', this.onSocket);
  }

  /** Bytes written and read so far on sockets to `port` (closed sockets keep their counts). */
  bytes(): { written: number; read: number; total: number; connections: number } {
    let written = 0;
    let read = 0;
    let connections = 0;
    for (const [s, port] of this.sockets) {
      if (port !== this.port) continue;
      connections++;
      written += s.bytesWritten;
      read += s.bytesRead;
    }
    return { written, read, total: written + read, connections };
  }

  stop(): void {
    unsubscribe('net.client.socket', this.onSocket);
  }
}
