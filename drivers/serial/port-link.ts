/**
 * One serial port kept open for as long as the driver runs. USB-serial adapters get unplugged,
 * reset by brown-outs and re-enumerated; this class reports the close, then retries opening the
 * same path with exponential backoff until it works again or the driver stops. A stable path
 * (/dev/serial/by-id/... or a udev symlink) is what makes "the same device" come back on it.
 *
 * Every listener it adds is removed on close, and stop() resolves only once the port is closed and
 * no retry timer is left.
 */
import { SerialPort } from 'serialport';

export interface PortLinkOptions {
  path: string;
  baudRate: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

export interface PortLinkHandlers {
  onOpen(): void;
  onData(chunk: Buffer): void;
  /** The open port went away (unplugged, pty closed, I/O error). A reopen is already scheduled. */
  onClosed(error: Error | null): void;
  /** An open attempt failed; `nextRetryMs` is when the next one happens. */
  onOpenFailed(error: Error, nextRetryMs: number): void;
  /** An error event that did not close the port (e.g. a failed write). */
  onError(error: Error): void;
}

export class PortLink {
  private port: SerialPort | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = true;

  constructor(
    private readonly options: PortLinkOptions,
    private readonly handlers: PortLinkHandlers,
  ) {}

  get isOpen(): boolean {
    return this.port?.isOpen === true;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  /** Queues bytes; false when the port is not open (the caller treats it as no answer). */
  write(bytes: Buffer): boolean {
    if (!this.port?.isOpen) return false;
    this.port.write(bytes);
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const port = this.port;
    this.port = undefined;
    if (!port) return;
    port.removeAllListeners('data');
    port.removeAllListeners('close');
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    // Keep a no-op error listener: a late error from a closing port must not become an uncaught one.
    port.removeAllListeners('error');
    port.on('error', () => undefined);
  }

  private open(): void {
    if (this.stopped) return;
    const port = new SerialPort({ path: this.options.path, baudRate: this.options.baudRate, autoOpen: false });
    this.port = port;
    port.on('data', (chunk: Buffer) => this.handlers.onData(chunk));
    port.on('error', (error: Error) => {
      if (port === this.port && port.isOpen) this.handlers.onError(error);
    });
    port.on('close', (error: Error | null) => this.closed(port, error));
    port.open((error) => {
      if (port !== this.port || this.stopped) {
        if (!error) port.close(() => undefined);
        return;
      }
      if (error) {
        this.forget(port);
        const delay = this.nextDelay();
        this.handlers.onOpenFailed(error, delay);
        this.scheduleRetry(delay);
        return;
      }
      this.failures = 0;
      this.handlers.onOpen();
    });
  }

  private closed(port: SerialPort, error: Error | null): void {
    if (port !== this.port || this.stopped) return;
    this.forget(port);
    this.handlers.onClosed(error);
    // Retry at once: a quick replug (or a USB reset) is the common case; backoff starts after that.
    this.scheduleRetry(this.options.reconnectMinMs);
  }

  private forget(port: SerialPort): void {
    port.removeAllListeners('data');
    port.removeAllListeners('close');
    if (this.port === port) this.port = undefined;
  }

  private nextDelay(): number {
    const delay = Math.min(this.options.reconnectMaxMs, this.options.reconnectMinMs * 2 ** this.failures);
    this.failures = Math.min(this.failures + 1, 30);
    return delay;
  }

  private scheduleRetry(delay: number): void {
    if (this.stopped) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.open();
    }, delay);
  }
}
