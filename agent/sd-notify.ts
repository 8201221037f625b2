/**
 * systemd's notify protocol (sd_notify(3)): READY=1 once the pipeline is up, WATCHDOG=1 pings at
 * half of WatchdogSec from the main loop (so a hung event loop stops the pings and systemd
 * restarts the agent), STOPPING=1 on shutdown, STATUS= lines for `systemctl status`.
 *
 * Node cannot send AF_UNIX datagrams by itself, so this uses the small `unix-dgram` addon (an
 * optional dependency, as zigbee2mqtt does). Without $NOTIFY_SOCKET (not under systemd, or in
 * Docker) every call is a no-op; a failure to notify is logged once and never stops the agent.
 */
import { createRequire } from 'node:module';
import type { Logger } from 'pino';

interface DgramSocket {
  send(buf: Buffer, offset: number, length: number, path: string, callback?: (err?: Error) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  close(): void;
}

export class SdNotify {
  private socket: DgramSocket | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private warned = false;
  private readonly path: string | undefined;

  constructor(
    private readonly log: Logger,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const raw = env.NOTIFY_SOCKET;
    // Abstract-namespace sockets are written with a leading '@' and addressed with a NUL byte.
    this.path = raw ? (raw.startsWith('@') ? `\0${raw.slice(1)}` : raw) : undefined;
    this.watchdogUsec = Number(env.WATCHDOG_USEC ?? 0);
    const watchdogPid = Number(env.WATCHDOG_PID ?? process.pid);
    if (watchdogPid !== process.pid) this.watchdogUsec = 0;
  }

  private readonly watchdogUsec: number;

  get enabled(): boolean {
    return this.path !== undefined;
  }

  /** The ping interval in ms (half of WatchdogSec), or undefined when no watchdog is set. */
  get watchdogIntervalMs(): number | undefined {
    return this.enabled && this.watchdogUsec > 0 ? Math.max(500, Math.floor(this.watchdogUsec / 2000)) : undefined;
  }

  ready(status = 'running'): void {
    this.send(`READY=1\nSTATUS=${status}\nMAINPID=${process.pid}`);
  }

  status(text: string): void {
    this.send(`STATUS=${text}`);
  }

  /** Ping from the main event loop. `healthy()` lets the agent withhold pings when it is stuck. */
  startWatchdog(healthy: () => boolean = () => true): void {
    const interval = this.watchdogIntervalMs;
    if (interval === undefined || this.watchdog) return;
    this.watchdog = setInterval(() => {
      if (healthy()) this.send('WATCHDOG=1');
    }, interval);
    this.watchdog.unref();
  }

  stopping(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
    this.send('STOPPING=1');
  }

  close(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.socket?.close();
    this.socket = undefined;
  }

  private send(message: string): void {
    if (!this.path) return;
    try {
      this.socket ??= this.open();
      const buf = Buffer.from(message);
      this.socket.send(buf, 0, buf.length, this.path, (err) => err && this.warn(err));
    } catch (err) {
      this.warn(err as Error);
    }
  }

  private open(): DgramSocket {
    const require = createRequire(import.meta.url);
    const { createSocket } = require('unix-dgram') as { createSocket: (type: 'unix_dgram') => DgramSocket };
    const socket = createSocket('unix_dgram');
    socket.on('error', (err) => this.warn(err));
    return socket;
  }

  private warn(err: Error): void {
    if (this.warned) return;
    this.warned = true;
    this.log.warn({ err }, 'cannot notify systemd (is the unix-dgram addon built?); continuing without it');
  }
}
