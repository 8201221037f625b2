/**
 * The daemon's lifecycle: wires config -> buffer -> pipeline -> devices, the HTTP endpoint,
 * housekeeping and (when configured) scoring and sinks. Each component starts and stops on its
 * own: a device or sink that fails is marked and retried, only the buffer is essential (without
 * it nothing can be accepted).
 *
 * Start order: buffer, metrics/HTTP, pipeline, sinks, devices (so no reading arrives before
 * there is somewhere to put it). Stop order is the reverse, and the pipeline flushes what it
 * holds into the buffer before the buffer closes (graceful SIGTERM loses nothing accepted).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/schema.js';
import { createDriver, createSimulatorDriver } from '../drivers/registry.js';
import { BUFFER_FILE_NAME } from '../sync/buffer/index.js';
import { createDrainLoops, createSinkMetrics, createSinks, type DrainLoop } from '../sync/index.js';
import type { RecordBuffer } from '../sync/buffer/index.js';
import { openBufferOrMoveAside } from './buffer-open.js';
import { SystemClock, type Clock } from '../core/clock.js';
import { DeviceRunner } from './device-runner.js';
import { Housekeeping } from './housekeeping.js';
import { HttpEndpoint } from './http.js';
import { createLogger } from './logger.js';
import { AgentMetrics } from './metrics.js';
import { packageVersion } from './paths.js';
import { Pipeline } from './pipeline.js';
import { SdNotify } from './sd-notify.js';
import { registerRoutes } from './routes.js';
import { ScoringHost } from './scoring-host.js';
import { LatestRecords } from './status/latest.js';
import type { EdgeRecord, PendingRecord } from '../core/record.js';

export interface AgentOptions {
  config: AgentConfig;
  clock?: Clock;
  log?: Logger;
  /** Called for every committed batch (tests, status page). */
  onCommitted?: (records: readonly EdgeRecord[]) => void;
}

export class Agent {
  readonly metrics = new AgentMetrics();
  readonly runners: DeviceRunner[] = [];
  readonly latest = new LatestRecords();
  readonly http: HttpEndpoint;
  private pipeline: Pipeline | undefined;
  private drainLoops: DrainLoop[] = [];
  private scoring: ScoringHost | undefined;
  private sinkNames: string[] = [];
  private buffer: RecordBuffer | undefined;
  private readonly housekeeping: Housekeeping;
  private readonly notify: SdNotify;
  private ready = false;
  private stopping: Promise<void> | undefined;
  readonly clock: Clock;
  readonly log: Logger;
  listening: { host: string; port: number } | undefined;

  private constructor(private readonly options: AgentOptions) {
    const { config } = options;
    this.clock = options.clock ?? new SystemClock({ trust: config.clock.trust, minValidTime: Date.parse(config.clock.min_valid_time) });
    this.log = options.log ?? createLogger(config.log.level);
    this.http = new HttpEndpoint(config.http.token);
    this.housekeeping = new Housekeeping(this.log, this.metrics);
    this.notify = new SdNotify(this.log);
  }

  static async start(options: AgentOptions): Promise<Agent> {
    const agent = new Agent(options);
    try {
      await agent.startComponents();
    } catch (err) {
      await agent.stop();
      throw err;
    }
    return agent;
  }

  get isReady(): boolean {
    return this.ready;
  }

  get recordBuffer(): RecordBuffer | undefined {
    return this.buffer;
  }

  private async startComponents(): Promise<void> {
    const { config } = this.options;
    // Sinks are built without I/O; each connects inside its own drain loop, so an unreachable
    // upstream never delays start-up.
    const sinks = await createSinks(config.sinks, { gatewayId: config.gateway.id, log: this.log, clock: this.clock });
    this.sinkNames = sinks.map((sink) => sink.name);
    const buffer = openBufferOrMoveAside(
      {
        path: join(config.data_dir, BUFFER_FILE_NAME),
        maxBytes: config.buffer.max_bytes,
        synchronous: config.buffer.synchronous,
        retentionMs: config.buffer.retention_hours * 3_600_000,
        sinks: this.sinkNames,
        clock: this.clock,
      },
      this.log,
    );
    this.buffer = buffer;
    // Bounded by local history (retention): a restart shows the last known values at once.
    const primeSince = this.clock.now() - config.buffer.retention_hours * 3_600_000;
    this.latest.prime(config.devices, (id, type, limit) => buffer.newestSince(id, type, primeSince, limit));
    this.metrics.bufferMaxBytes.set(config.buffer.max_bytes);
    this.metrics.setInfo(config.gateway.id, packageVersion());
    this.metrics.componentUp.set({ component: 'buffer' }, 1);

    this.routes();
    this.listening = await this.http.listen(config.http.listen);
    this.metrics.componentUp.set({ component: 'http' }, 1);
    this.log.info({ listen: `${this.listening.host}:${this.listening.port}` }, 'http endpoint listening');

    this.scoring = await ScoringHost.start(config, { registry: this.metrics.registry, metrics: this.metrics, log: this.log, clock: this.clock });
    const scoring = this.scoring;

    const debugCommits = this.log.isLevelEnabled('debug');
    this.pipeline = new Pipeline({
      store: buffer,
      metrics: this.metrics,
      log: this.log,
      flushIntervalMs: config.buffer.flush_interval_ms,
      batchMax: config.buffer.batch_max_records,
      ...(scoring ? { scoring: (batch: readonly PendingRecord[]) => scoring.score(batch) } : {}),
      onCommitted: (records) => {
        if (debugCommits) this.logCommit(records);
        this.latest.observe(records);
        for (const loop of this.drainLoops) loop.notify();
        this.options.onCommitted?.(records);
      },
    });
    this.pipeline.start();
    this.drainLoops = createDrainLoops(sinks, config.sinks, {
      buffer, clock: this.clock, log: this.log, metrics: createSinkMetrics(this.metrics.registry),
    });
    for (const loop of this.drainLoops) loop.start();

    this.housekeeping.start([
      { name: 'compaction', cron: config.housekeeping.compaction_cron, run: () => buffer.compact() },
      { name: 'retention', cron: config.housekeeping.retention_cron, run: () => applyRetentionInSlices(buffer) },
    ]);
    // The buffer gauges are read when /metrics is scraped (routes.ts), not by a timer: an agent
    // nobody scrapes is not woken for them (issue 15).
    this.refreshStats();

    const pipeline = this.pipeline;
    for (const device of config.devices) {
      this.runners.push(new DeviceRunner({
        device,
        gatewayId: config.gateway.id,
        clock: this.clock,
        log: this.log,
        metrics: this.metrics,
        createDriver,
        createSimulator: createSimulatorDriver,
        accept: (record) => pipeline.accept(record),
        ...resumeAfter(buffer, device.id),
      }));
    }
    // Concurrently: one device's slow probe (a Modbus TCP connect timing out) must not delay the others.
    await Promise.all(this.runners.map((runner) => runner.start()));
    this.metrics.clockTrusted.set(this.clock.trusted() ? 1 : 0);
    this.ready = true;
    // The watchdog pings come from this process's event loop: if it hangs, they stop and
    // systemd restarts the agent.
    this.notify.ready(`${config.devices.length} device(s)`);
    this.notify.startWatchdog();
    this.log.info({ devices: config.devices.length, gateway: config.gateway.id }, 'agent ready');
  }

  /** Committed batches as one debug line each: the crash tests read these to know what was accepted. */
  private logCommit(records: readonly EdgeRecord[]): void {
    const lastSeq: Record<string, number> = {};
    for (const r of records) lastSeq[r.deviceId] = Math.max(lastSeq[r.deviceId] ?? 0, r.seq);
    this.log.debug({ count: records.length, lastSeq }, 'buffer commit');
  }

  private refreshStats(): void {
    const buffer = this.buffer;
    if (!buffer) return;
    try {
      const stats = buffer.stats();
      this.metrics.bufferRows.set(stats.rows);
      this.metrics.bufferUsedBytes.set(stats.usedBytes);
      this.metrics.bufferFileBytes.set(stats.fileBytes);
      const now = this.clock.now();
      for (const sink of stats.sinks) {
        this.metrics.oldestUnsentAge.set({ sink: sink.sink }, sink.oldestUnsentTs === null ? 0 : Math.max(0, (now - sink.oldestUnsentTs) / 1000));
      }
      this.metrics.clockTrusted.set(this.clock.trusted() ? 1 : 0);
    } catch (err) {
      this.log.warn({ err }, 'buffer stats failed');
    }
  }

  private routes(): void {
    registerRoutes(this.http, {
      config: this.options.config,
      metrics: this.metrics,
      runners: this.runners,
      latest: this.latest,
      buffer: () => this.buffer,
      ready: () => this.ready,
      // createDrainLoops returns one loop per sink, in the sinks' order.
      sinkStates: () => Object.fromEntries(this.drainLoops.map((loop, i) => [this.sinkNames[i], loop.state])),
      modelStatus: () => this.scoring?.status() ?? [],
      clockTrusted: () => this.clock.trusted(),
      now: () => this.clock.now(),
      refreshMetrics: () => this.refreshStats(),
    });
  }

  /** Graceful shutdown: devices, then flush, then buffer; safe to call more than once. */
  stop(): Promise<void> {
    this.stopping ??= this.stopComponents();
    return this.stopping;
  }

  private async stopComponents(): Promise<void> {
    this.ready = false;
    this.notify.stopping();
    await Promise.all(this.runners.map((r) => r.stop()));
    await this.pipeline?.stop();
    await this.scoring?.stop();
    // After the final flush, so records committed during shutdown are still offered upstream
    // on the next start (they are durable either way).
    await Promise.all(this.drainLoops.map((loop) => loop.stop()));
    await this.housekeeping.stop();
    await this.http.close();
    this.buffer?.close();
    this.buffer = undefined;
    this.notify.close();
    this.log.info('agent stopped');
  }
}

/**
 * Retention in slices of 20,000 rows with a yield between them: deleting a day of backlog at once
 * blocks the event loop for seconds (the watchdog and the drivers would starve).
 */
export async function applyRetentionInSlices(buffer: RecordBuffer, slice = 20_000): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = buffer.applyRetention(slice);
    total += deleted;
    if (deleted < slice) return total;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The newest stored ts of a device, for drivers that keep their own timeline (demo clock). */
function resumeAfter(buffer: { recent(deviceId: string, limit: number): { ts: number }[] }, deviceId: string): { resumeAfterTs?: number } {
  const newest = buffer.recent(deviceId, 1)[0];
  return newest ? { resumeAfterTs: newest.ts } : {};
}
