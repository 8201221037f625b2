/**
 * ModbusDriver: polls one device (battery pack or charger) over Modbus TCP or RTU through a
 * register map and emits one canonical reading per poll.
 *
 * Failure policy (the reading is either whole-poll fresh or absent, never repeated):
 * - A Modbus exception on one request (e.g. IllegalDataAddress) is counted by name and only that
 *   request's points are missing; the rest of the reading is still emitted.
 * - A timeout, garbled frame or dropped connection (after `retries`) ends the poll: nothing is
 *   emitted, the remaining requests are not tried (so a dead device costs at most one timeout
 *   series per poll, not one per request), and the link reconnects on the next poll.
 * - After `stale_after` consecutive failed polls the state is 'stale'; the first good poll makes it
 *   'running' again.
 */
import { delayToNextSlot } from '../../core/clock.js';
import type { Driver, DriverContext, DriverState, TelemetryBody } from '../driver.js';
import type { ModbusConfig } from './config.js';
import { ModbusExceptionError, ModbusTimeoutError, ModbusFrameError, type ModbusIoError } from './errors.js';
import { acquireLink, releaseLink, type ModbusLink } from './link.js';
import { loadRegisterMap, type MapPoint, type RegisterMap } from './map-loader.js';
import { planRequests, type ReadRequest } from './planner.js';
import { buildBody, decodePoints, type Problem } from './signals.js';
import { findSunSpecModel, SunSpecModelNotFound } from './sunspec.js';

export interface ModbusDriverOptions {
  /** Poll period (the device's interval_ms). */
  intervalMs: number;
}

export interface PollResult {
  /** The reading, or undefined when the poll failed. */
  body?: TelemetryBody;
  ioErrors: ModbusIoError[];
  problems: Problem[];
}

/** Exceptions that mean "ask again shortly" rather than "this will never work". */
const RETRIABLE_EXCEPTIONS = new Set(['Acknowledge', 'ServerDeviceBusy', 'GatewayTargetFailedToRespond']);

export class ModbusDriver implements Driver {
  readonly type = 'modbus';
  private currentMap: RegisterMap;
  private plan: ReadRequest<MapPoint>[];
  /** False while a SunSpec map still has to find its model on the device. */
  private located: boolean;
  private link: ModbusLink | undefined;
  private ctx: DriverContext | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private running = false;
  private failures = 0;
  private state: DriverState | undefined;

  /** Throws ModbusMapError when the map cannot be used: a config problem, reported at build time. */
  constructor(
    private readonly config: ModbusConfig,
    private readonly options: ModbusDriverOptions,
  ) {
    const loadOptions = config.base_address === undefined ? {} : { baseAddress: config.base_address };
    this.currentMap = loadRegisterMap(config.map, loadOptions);
    this.plan = planRequests(this.currentMap.points, { maxGap: config.max_gap, maxRegisters: config.max_registers });
    this.located = this.currentMap.sunspecModel === undefined || config.base_address !== undefined;
  }

  get map(): RegisterMap {
    return this.currentMap;
  }

  /** The read requests one poll makes (changes when a request across a hole is split). */
  get requests(): readonly ReadRequest<MapPoint>[] {
    return this.plan;
  }

  /** Can connect and read one register: the SunSpec marker while the model is not located yet. */
  async probe(): Promise<boolean> {
    const first = this.requests[0];
    if (!first) return false;
    let link: ModbusLink | undefined;
    try {
      link = this.link ?? acquireLink(this.config);
      if (!this.located) {
        await findSunSpecModel(link, this.config.unit_id, this.currentMap.sunspecModel as number, this.config.timeout_ms);
      } else {
        await link.read(first.unitId ?? this.config.unit_id, first.table, first.start, 1, this.config.timeout_ms);
      }
      return true;
    } catch {
      return false;
    } finally {
      if (link && link !== this.link) await releaseLink(link);
    }
  }

  async start(ctx: DriverContext): Promise<void> {
    if (this.running) throw new Error('modbus driver already started');
    if (ctx.deviceKind !== this.map.kind) {
      throw new Error(`map ${this.map.file} describes a ${this.map.kind}, but device ${ctx.deviceId} is a ${ctx.deviceKind}`);
    }
    this.ctx = ctx;
    this.link = acquireLink(this.config);
    this.running = true;
    this.failures = 0;
    this.setState('starting');
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inflight;
    if (this.link) await releaseLink(this.link);
    this.link = undefined;
    this.setState('stopped');
  }

  /** One poll: read every planned request, decode, build the reading. Never throws I/O errors. */
  async poll(): Promise<PollResult> {
    const link = this.link;
    const result: PollResult = { ioErrors: [], problems: [] };
    if (!link) throw new Error('modbus driver not started');
    if (!this.located) {
      try {
        await this.locate(link);
      } catch (error) {
        if (error instanceof SunSpecModelNotFound) result.problems.push({ reason: error.reason, detail: error.message, fatal: true });
        else result.ioErrors.push(error as ModbusIoError);
        return result;
      }
    }
    const requests = this.plan;
    const words: Array<number[] | undefined> = [];
    for (const request of requests) {
      try {
        words.push(await this.readWithRetry(link, request));
      } catch (error) {
        const io = error as ModbusIoError;
        result.ioErrors.push(io);
        if (!(io instanceof ModbusExceptionError)) return result;
        if (io.exception === 'IllegalDataAddress') this.splitAcrossHoles(request);
        words.push(undefined);
      }
    }
    if (words.every((w) => w === undefined)) return result;
    const raws = decodePoints(requests, words, result.problems);
    if (result.problems.some((p) => p.fatal)) return result;
    result.body = buildBody(this.map, raws, result.problems);
    return result;
  }

  private async locate(link: ModbusLink): Promise<void> {
    const model = this.currentMap.sunspecModel as number;
    const base = await findSunSpecModel(link, this.config.unit_id, model, this.config.timeout_ms);
    if (base !== this.currentMap.baseAddress) {
      this.currentMap = loadRegisterMap(this.config.map, { baseAddress: base });
      this.plan = planRequests(this.currentMap.points, { maxGap: this.config.max_gap, maxRegisters: this.config.max_registers });
    }
    this.located = true;
    this.ctx?.log.info({ device: this.ctx.deviceId, model, base }, 'SunSpec model located');
  }

  /**
   * Many devices refuse a read that spans an unmapped register. When a merged request that reads
   * through a hole gets IllegalDataAddress, re-plan its points without holes from the next poll on,
   * so one map serves strict and lenient devices alike (the points really missing stay missing).
   */
  private splitAcrossHoles(request: ReadRequest<MapPoint>): void {
    const covered = new Set(request.points.flatMap((p) => Array.from({ length: p.count }, (_, i) => p.address + i)));
    if (covered.size === request.count) return;
    const split = planRequests(request.points, { maxGap: 0, maxRegisters: this.config.max_registers });
    this.plan = this.plan.flatMap((r) => (r === request ? split : [r]));
    this.ctx?.log.info(
      { device: this.ctx.deviceId, table: request.table, start: request.start, count: request.count, into: split.length },
      'modbus read across unmapped registers refused; reading around the holes from now on',
    );
  }

  private async readWithRetry(link: ModbusLink, request: ReadRequest<MapPoint>): Promise<number[]> {
    const unitId = request.unitId ?? this.config.unit_id;
    for (let attempt = 0; ; attempt++) {
      try {
        return await link.read(unitId, request.table, request.start, request.count, this.config.timeout_ms);
      } catch (error) {
        const retriable =
          error instanceof ModbusTimeoutError ||
          error instanceof ModbusFrameError ||
          (error instanceof ModbusExceptionError && RETRIABLE_EXCEPTIONS.has(error.exception));
        if (!retriable || attempt >= this.config.retries || !this.running) throw error;
        // Count every failed attempt, not only the last: a flaky link shows up before it dies.
        this.ctx?.reportError((error as ModbusIoError).reason, (error as Error).message);
      }
    }
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.inflight = this.tick().finally(() => (this.inflight = undefined));
    }, delayMs);
  }

  private async tick(): Promise<void> {
    const ctx = this.ctx as DriverContext;
    let result: PollResult;
    try {
      result = await this.poll();
    } catch (error) {
      // A bug, not I/O: count it and keep polling rather than take the agent down.
      ctx.reportError('internal', error);
      result = { ioErrors: [], problems: [] };
    }
    for (const io of result.ioErrors) ctx.reportError(io.reason, io.message);
    for (const p of result.problems) ctx.reportError(p.reason, p.detail);
    if (!this.running) return;
    if (result.body) {
      ctx.emit({ body: result.body, source: 'hardware' });
      this.failures = 0;
      this.setState('running');
    } else if (++this.failures >= this.config.stale_after) {
      this.setState('stale');
    }
    // Fixed-rate polling on the shared grid (core/clock.ts): every device with this interval polls
    // at the same instants, so their readings share a commit. A poll that overran skips its slot.
    this.schedule(delayToNextSlot(ctx.clock.monotonic(), this.options.intervalMs));
  }

  private setState(state: DriverState): void {
    if (this.state === state) return;
    this.state = state;
    if (state === 'stale') this.ctx?.log.warn({ device: this.ctx.deviceId }, 'modbus device stopped answering');
    this.ctx?.setState(state);
  }
}
