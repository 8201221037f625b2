/**
 * The sync stage's public surface: build the configured sinks and one drain loop per sink.
 * The agent wires it as: buffer = RecordBuffer.open({ sinks: sinks.map(s => s.name), ... });
 * loops = createDrainLoops(...); loops.forEach(l => l.start()); after each append: notify();
 * on shutdown: await Promise.all(loops.map(l => l.stop())) before buffer.close().
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { RecordBuffer } from './buffer/buffer.js';
import type { DrainKeys, SinksConfig } from './config.js';
import { DrainLoop, type DrainLoopOptions } from './drain/drain-loop.js';
import type { SinkMetrics } from './metrics.js';
import type { Sink } from './sink.js';

export { DrainLoop, type DrainLoopOptions } from './drain/drain-loop.js';
export { createSinkMetrics, type SinkMetrics, type DrainState } from './metrics.js';
export { sinksSchema, type SinksConfig } from './config.js';
export type { Sink, WriteResult } from './sink.js';
export interface SinkDeps {
  gatewayId: string;
  log: Logger;
  clock: Clock;
}

/**
 * One sink per configured and enabled block, in a fixed order (timescale, mqtt, kafka). No network
 * I/O. Each sink's module (and its client library: kafkajs alone is 143 modules) is imported only
 * when its block is enabled, so a gateway pays memory for the upstreams it uses.
 */
export async function createSinks(config: SinksConfig, deps: SinkDeps): Promise<Sink[]> {
  const sinks: Sink[] = [];
  const child = (name: string): Logger => deps.log.child({ sink: name });
  if (config.timescale?.enabled) {
    const { TimescaleSink } = await import('./timescale/sink.js');
    sinks.push(new TimescaleSink(config.timescale, child('timescale')));
  }
  if (config.mqtt?.enabled) {
    const { MqttSink } = await import('./mqtt/sink.js');
    sinks.push(new MqttSink(config.mqtt, deps.gatewayId, child('mqtt')));
  }
  if (config.kafka?.enabled) {
    const { KafkaSink } = await import('./kafka/sink.js');
    sinks.push(new KafkaSink(config.kafka, child('kafka')));
  }
  return sinks;
}

/** The drain-loop knobs of a sink's config block, in DrainLoop's terms. */
export function drainSettings(block: DrainKeys): Pick<DrainLoopOptions, 'batchSize' | 'maxRecordsPerS' | 'backoff' | 'liveWindowMs' | 'probeIntervalMs' | 'reconnectJitterMs' | 'lingerMs'> {
  return {
    batchSize: block.batch_size,
    lingerMs: block.linger_ms,
    maxRecordsPerS: block.max_records_per_s,
    backoff: { initialMs: block.backoff_initial_ms, maxMs: block.backoff_max_ms },
    liveWindowMs: block.live_window_ms,
    probeIntervalMs: block.probe_interval_ms,
    reconnectJitterMs: block.reconnect_jitter_ms,
  };
}

/** One drain loop per sink, each with its own cursor and the settings of its config block. */
export function createDrainLoops(
  sinks: readonly Sink[],
  config: SinksConfig,
  deps: { buffer: RecordBuffer; clock: Clock; log: Logger; metrics: SinkMetrics },
): DrainLoop[] {
  return sinks.map((sink) => {
    const block = (config as Record<string, DrainKeys | undefined>)[sink.name];
    if (!block) throw new Error(`no sinks.${sink.name} config block for sink "${sink.name}"`);
    // Not a child logger with { sink }: DrainLoop names the sink in every line itself.
    return new DrainLoop({ sink, buffer: deps.buffer, clock: deps.clock, log: deps.log, metrics: deps.metrics, ...drainSettings(block) });
  });
}
