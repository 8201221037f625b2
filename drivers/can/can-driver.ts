/**
 * The CAN driver: frames from a live SocketCAN interface or from a replayed log, decoded with a
 * DBC, mapped onto canonical fields and emitted as one record per `intervalMs`.
 *
 * Freshness: each mapped field remembers when it last arrived; a record carries only the fields
 * younger than `signal_max_age_ms`. When none is fresh the driver reports 'stale' and emits
 * nothing; it reports 'running' again with the next fresh record.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Driver, DriverContext, DriverState } from '../driver.js';
import type { CanConfig } from './config.js';
import { parseDbcFile } from './dbc-parser.js';
import { CanDecoder, type CanFrame } from './decoder.js';
import { CanSourceError, LogFormatError } from './errors.js';
import { resolveMapping, SignalAssembler } from './mapping.js';
import { ReplaySource } from './replay-source.js';
import { loadSocketCan, openSocketCan, rxFiltersFor, type LiveCapture, type SocketCanModule } from './socketcan-source.js';

export interface CanDriverOptions {
  config: CanConfig;
  /** The device's `interval_ms`. */
  intervalMs: number;
  /** Where network interfaces are listed (tests point it elsewhere). */
  sysClassNet?: string;
  /** Replay pacing wait (tests pass one that advances a ManualClock). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Loads the socketcan package (tests pass a fake one). */
  loadSocketCan?: () => Promise<SocketCanModule>;
}

export class CanDriver implements Driver {
  readonly type = 'can';
  private replay: ReplaySource | undefined;
  private live: LiveCapture | undefined;
  private timer: NodeJS.Timeout | undefined;
  private state: DriverState | undefined;
  private decoder: CanDecoder | undefined;
  private stopping = false;
  /** Frames since the last hand-over to ctx.countInputs (per tick: a counter per frame would cost more than decoding). */
  private unreported = { frames_received: 0, frames_decoded: 0, frames_unknown_id: 0 };
  private reportTo: DriverContext | undefined;

  constructor(private readonly options: CanDriverOptions) {}

  async probe(): Promise<boolean> {
    const { config, sysClassNet = '/sys/class/net' } = this.options;
    const path = config.replay ? config.replay.file : join(sysClassNet, config.interface ?? '');
    return access(path).then(
      () => true,
      () => false,
    );
  }

  /** Decoder statistics (frames decoded, unknown ids) for status pages and tests. */
  get stats(): CanDecoder['stats'] | undefined {
    return this.decoder?.stats;
  }

  async start(ctx: DriverContext): Promise<void> {
    const { config, intervalMs } = this.options;
    // Restart-safe: a second start() without stop() must not leave the first source running.
    if (this.replay || this.live || this.timer) await this.stop();
    // Parse and check everything before taking the bus: a DbcSyntaxError or CanMappingError here
    // fails this driver's start (the agent retries it) and never reaches the bus.
    const db = parseDbcFile(config.dbc);
    for (const warning of db.warnings) ctx.log.debug({ dbc: config.dbc }, warning);
    const mapping = resolveMapping(db, config.map, ctx.deviceKind);
    const decoder = new CanDecoder(db, { onlySignals: mapping.wants });
    this.decoder = decoder;
    const assembler = new SignalAssembler(mapping, ctx.deviceKind, config.signal_max_age_ms);
    const counts = this.unreported;
    this.reportTo = ctx;
    const onFrame = (frame: CanFrame, atMs: number): void => {
      counts.frames_received++;
      const decoded = decoder.decode(frame);
      if (decoded) {
        counts.frames_decoded++;
        assembler.update(decoded, atMs);
      } else if (decoder.messageFor(frame.id, frame.extended) === undefined) counts.frames_unknown_id++;
    };
    this.stopping = false;
    this.setState(ctx, 'starting');
    if (config.replay) {
      const replay = config.replay;
      if (!(await this.probe())) throw new CanSourceError(replay.file, 'replay file does not exist or is not readable');
      this.replay = new ReplaySource({
        file: replay.file,
        format: replay.format,
        speed: replay.speed,
        loop: replay.loop,
        intervalMs,
        clock: ctx.clock,
        ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
      });
      this.replay.start(
        {
          frame: onFrame,
          tick: (tRel, ts) => this.cut(ctx, assembler.snapshot(tRel), 'replay', ts),
          // A refused file (unsupported or ambiguous layout) is counted once; it ends the replay.
          badLine: (error) => ctx.reportError(error instanceof LogFormatError ? 'bad_log_format' : 'bad_log_line', { line: error.line, reason: error.reason }),
          rewind: () => assembler.clear(),
        },
        (error) => {
          if (this.stopping) return; // stop() ended it: not a finish, not a failure
          if (error) {
            ctx.reportError('replay_io', error);
            this.setState(ctx, 'failed');
          } else {
            ctx.log.info({ file: replay.file }, 'CAN replay finished');
            this.setState(ctx, 'stopped');
          }
        },
      );
      return;
    }
    const iface = config.interface as string;
    this.live = await openSocketCan(
      iface,
      (frame) => onFrame(frame, ctx.clock.monotonic()),
      () => {
        if (this.stopping) return;
        ctx.reportError('interface_stopped', { iface });
        this.setState(ctx, 'failed');
      },
      this.options.loadSocketCan ?? loadSocketCan,
      rxFiltersFor(mapping.targets.keys()),
    );
    this.timer = setInterval(() => this.cut(ctx, assembler.snapshot(ctx.clock.monotonic()), 'hardware'), intervalMs);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.live?.stop();
    this.live = undefined;
    await this.replay?.stop();
    this.replay = undefined;
    this.reportInputs();
  }

  private reportInputs(): void {
    const counts = this.unreported;
    if (!this.reportTo || counts.frames_received === 0) return;
    this.reportTo.countInputs({ ...counts });
    counts.frames_received = counts.frames_decoded = counts.frames_unknown_id = 0;
  }

  private cut(ctx: DriverContext, body: ReturnType<SignalAssembler['snapshot']>, source: 'replay' | 'hardware', ts?: number): void {
    this.reportInputs();
    if (!body) {
      this.setState(ctx, 'stale');
      return;
    }
    this.setState(ctx, 'running');
    ctx.emit(ts === undefined ? { body, source } : { body, source, ts });
  }

  private setState(ctx: DriverContext, state: DriverState): void {
    if (this.state === state) return;
    this.state = state;
    ctx.setState(state);
  }
}
