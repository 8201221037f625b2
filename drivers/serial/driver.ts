/**
 * SerialBmsDriver: polls one JBD, Daly or JK BMS over a serial port and emits one canonical
 * battery record per poll cycle (source 'hardware').
 *
 * Scheduling: every interval_ms a cycle starts; its requests go out one at a time, each with its
 * own timeout, so exactly one request is ever in flight (these BMSes answer one request at a time
 * and RS485 is half-duplex). A cycle that overruns the interval delays the next one; cycles never
 * overlap.
 *
 * Bad input never stops the driver; each case is counted by a fixed reason through reportError:
 *   garbage, bad_start, bad_length, bad_end_byte, bad_checksum, truncated_frame  (parser)
 *   unexpected_frame, device_error, malformed_frame                            (decoder)
 *   refused_value (detail: frame, field, raw, message; the value is left out)  (decoder)
 *   timeout, port_closed, port_open_failed, port_error                         (link)
 * A cycle whose first request times out is abandoned (the device is not answering); a later timeout
 * only skips that request. No record is ever made from old values: a cycle without a fresh answer
 * emits nothing. After `stale_after_timeouts` timeouts in a row, or when the port closes, the state
 * is 'stale'; the next complete cycle makes it 'running' again.
 */
import { existsSync } from 'node:fs';
import { SerialPort } from 'serialport';
import type { Driver, DriverContext, DriverState } from '../driver.js';
import { dalyProtocol } from './daly.js';
import { FrameParser, type ParseEvent } from './frame-parser.js';
import { jbdProtocol } from './jbd.js';
import { jkProtocol } from './jk.js';
import { PortLink } from './port-link.js';
import type { BmsProtocol, PollCycle } from './protocol.js';
import { resolveSerialConfig, type ResolvedSerialConfig, type SerialConfig } from './config.js';

export const PROTOCOLS: Record<SerialConfig['protocol'], BmsProtocol> = { jbd: jbdProtocol, daly: dalyProtocol, jk: jkProtocol };

interface ActiveCycle {
  cycle: PollCycle;
  startedWall: number;
  /** Timeout of the request in flight; undefined while none is. */
  timer: NodeJS.Timeout | undefined;
  /** Counts the requests sent, so a timeout can tell whether its request got answered meanwhile. */
  sent: number;
}

export class SerialBmsDriver implements Driver {
  readonly type = 'serial';
  readonly config: ResolvedSerialConfig;
  private readonly protocol: BmsProtocol;
  private readonly parser: FrameParser;
  private ctx: DriverContext | undefined;
  private link: PortLink | undefined;
  private active: ActiveCycle | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private lastCycleStart = Number.NEGATIVE_INFINITY;
  private consecutiveTimeouts = 0;
  private state: DriverState | undefined;

  constructor(config: SerialConfig, private readonly intervalMs: number) {
    this.config = resolveSerialConfig(config);
    this.protocol = PROTOCOLS[this.config.protocol];
    this.parser = new FrameParser(this.protocol.spec);
  }

  /** The port path exists and can be opened (and is closed again at once). */
  async probe(): Promise<boolean> {
    if (this.link?.isOpen) return true;
    if (!existsSync(this.config.path)) return false;
    const port = new SerialPort({ path: this.config.path, baudRate: this.config.baud_rate, autoOpen: false });
    port.on('error', () => undefined);
    const opened = await new Promise<boolean>((resolve) => port.open((error) => resolve(!error)));
    if (opened) await new Promise<void>((resolve) => port.close(() => resolve()));
    return opened;
  }

  /** Never throws for an absent port: it keeps retrying and reports 'stale' meanwhile. */
  async start(ctx: DriverContext): Promise<void> {
    if (this.link) await this.stop(); // a restart must not leave the first port open
    this.ctx = ctx;
    this.setState('starting');
    const c = this.config;
    this.link = new PortLink(
      { path: c.path, baudRate: c.baud_rate, reconnectMinMs: c.reconnect_min_ms, reconnectMaxMs: c.reconnect_max_ms },
      {
        onOpen: () => {
          this.parser.reset(); // bytes from before a replug belong to no request
          this.schedulePoll(0);
        },
        onData: (chunk) => this.handle(this.parser.push(chunk)),
        onClosed: (error) => {
          ctx.reportError('port_closed', error?.message);
          this.abortCycle();
          this.setState('stale');
        },
        onOpenFailed: (error, nextRetryMs) => {
          ctx.reportError('port_open_failed', { message: error.message, nextRetryMs });
          if (this.state === 'starting') this.setState('stale');
        },
        onError: (error) => ctx.reportError('port_error', error.message),
      },
    );
    this.link.start();
  }

  async stop(): Promise<void> {
    const ctx = this.ctx;
    this.ctx = undefined; // from here on no callback may emit, report or reschedule
    this.abortCycle();
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    await this.link?.stop();
    this.link = undefined;
    this.parser.reset();
    this.state = 'stopped';
    ctx?.setState('stopped');
  }

  private schedulePoll(delayMs: number): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      this.startCycle();
    }, Math.max(0, delayMs));
  }

  private startCycle(): void {
    const ctx = this.ctx;
    if (!ctx || this.active || !this.link?.isOpen) return; // a reopen restarts polling
    this.lastCycleStart = ctx.clock.monotonic();
    const c = this.config;
    const cycle = this.protocol.newCycle({ address: c.address, cells: c.cells, invertCurrent: c.invert_current });
    this.active = { cycle, startedWall: ctx.clock.now(), timer: undefined, sent: 0 };
    this.sendNext();
  }

  private sendNext(): void {
    const active = this.active;
    if (!active) return;
    const request = active.cycle.next();
    if (!request) return this.finishCycle();
    if (!this.link?.write(request)) return this.abortCycle(); // the close handler reports why
    active.sent++;
    active.timer = setTimeout(() => this.onTimeout(active, active.sent), this.config.request_timeout_ms);
  }

  private handle(event: ParseEvent): void {
    const ctx = this.ctx;
    if (!ctx) return;
    for (const r of event.rejections) ctx.reportError(r.reason, { bytes: r.bytes });
    for (const frame of event.frames) {
      const active = this.active;
      if (!active?.timer) {
        ctx.reportError('unexpected_frame');
        continue;
      }
      const outcome = active.cycle.accept(frame);
      this.reportRefusals(active.cycle);
      if (outcome.kind === 'more') continue;
      if (outcome.kind === 'unexpected') {
        ctx.reportError('unexpected_frame');
        continue;
      }
      clearTimeout(active.timer);
      active.timer = undefined;
      this.consecutiveTimeouts = 0;
      if (outcome.kind === 'rejected') {
        ctx.reportError(outcome.reason);
        active.cycle.skip();
      }
      this.sendNext();
    }
  }

  private onTimeout(active: ActiveCycle, request: number): void {
    const ctx = this.ctx;
    if (!ctx || this.active !== active) return;
    // Give an answer hidden behind a false start its chance before calling the request unanswered.
    this.handle(this.parser.flush());
    if (this.active !== active || active.sent !== request || active.timer === undefined) return;
    active.timer = undefined;
    ctx.reportError('timeout');
    this.consecutiveTimeouts++;
    if (this.consecutiveTimeouts >= this.config.stale_after_timeouts) this.setState('stale');
    active.cycle.skip();
    if (active.cycle.answered === 0) return this.abortCycle();
    this.sendNext();
  }

  private finishCycle(): void {
    const active = this.active;
    const ctx = this.ctx;
    this.active = undefined;
    if (!active || !ctx) return;
    const battery = active.cycle.result();
    this.reportRefusals(active.cycle);
    if (battery && active.cycle.answered > 0) {
      ctx.emit({ body: { type: 'battery', battery }, source: 'hardware', ts: active.startedWall });
      this.setState('running');
    }
    this.scheduleNextCycle();
  }

  /** A refused value is counted and named (frame, field, raw, why); the record simply lacks it. */
  private reportRefusals(cycle: PollCycle): void {
    for (const refusal of cycle.takeRefusals()) this.ctx?.reportError('refused_value', refusal);
  }

  private abortCycle(): void {
    const active = this.active;
    this.active = undefined;
    if (active?.timer) clearTimeout(active.timer);
    if (active) this.scheduleNextCycle();
  }

  private scheduleNextCycle(): void {
    if (!this.ctx || !this.link) return;
    const due = this.lastCycleStart + this.intervalMs - this.ctx.clock.monotonic();
    this.schedulePoll(due);
  }

  private setState(state: DriverState): void {
    if (state === this.state) return;
    this.state = state;
    this.ctx?.setState(state);
  }
}

/** Builds the driver from a validated device entry (`driver: serial`). */
export function createSerialDriver(device: { id: string; interval_ms: number; serial?: SerialConfig }): SerialBmsDriver {
  if (!device.serial) throw new Error(`device "${device.id}": driver "serial" needs a "serial:" block`);
  return new SerialBmsDriver(device.serial, device.interval_ms);
}
