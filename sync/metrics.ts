/**
 * Per-sink Prometheus metrics, registered on a Registry the caller owns (the agent's /metrics).
 * Label values are a small fixed set: sink names come from config, `state` from DrainState and
 * `reason` from FailureReason, so cardinality never depends on data.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type DrainState = 'connecting' | 'connected' | 'backoff' | 'stopped';
export const DRAIN_STATES: readonly DrainState[] = ['connecting', 'connected', 'backoff', 'stopped'];

/** Why records were not delivered by a write: 'retry' results, a thrown write, a rejection. */
export type FailureReason = 'retry' | 'write_error' | 'rejected';

export interface SinkMetrics {
  state: Gauge<'sink' | 'state'>;
  /** Computed when read (a scrape), from `lagSources`: no timer keeps it fresh between scrapes. */
  lagSeconds: Gauge<'sink'>;
  /** Per sink, how to compute its lag now (undefined: keep the last value, e.g. buffer closing). */
  lagSources: Map<string, () => number | undefined>;
  sent: Counter<'sink'>;
  failed: Counter<'sink' | 'reason'>;
  deadLettered: Counter<'sink'>;
  batchDuration: Histogram<'sink'>;
}

export function createSinkMetrics(registry: Registry): SinkMetrics {
  const registers = [registry];
  const lagSources = new Map<string, () => number | undefined>();
  return {
    lagSources,
    state: new Gauge({
      name: 'evedge_sink_state',
      help: 'Drain loop state per sink: 1 for the current state, 0 for the others.',
      labelNames: ['sink', 'state'],
      registers,
    }),
    lagSeconds: new Gauge({
      name: 'evedge_sink_lag_seconds',
      help: 'Age of the oldest record this sink has not yet delivered (0 when caught up).',
      labelNames: ['sink'],
      registers,
      collect() {
        for (const [sink, lag] of lagSources) {
          const seconds = lag();
          if (seconds !== undefined) this.set({ sink }, seconds);
        }
      },
    }),
    sent: new Counter({
      name: 'evedge_sink_records_sent_total',
      help: 'Records the upstream confirmed (commit, PUBACK, acks=all).',
      labelNames: ['sink'],
      registers,
    }),
    failed: new Counter({
      name: 'evedge_sink_records_failed_total',
      help: 'Record delivery attempts that did not succeed, by reason (retry, write_error, rejected).',
      labelNames: ['sink', 'reason'],
      registers,
    }),
    deadLettered: new Counter({
      name: 'evedge_sink_records_dead_lettered_total',
      help: 'Records the upstream refused permanently, moved to the dead-letter table.',
      labelNames: ['sink'],
      registers,
    }),
    batchDuration: new Histogram({
      name: 'evedge_sink_batch_duration_seconds',
      help: 'Time of one write call (one batch) to the upstream.',
      labelNames: ['sink'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
}

/** Sets the one-hot state gauge for a sink. */
export function setSinkState(metrics: SinkMetrics, sink: string, state: DrainState): void {
  for (const s of DRAIN_STATES) metrics.state.set({ sink, state: s }, s === state ? 1 : 0);
}
