/**
 * One write and its bookkeeping: per-record results become buffer acks and dead letters, and
 * metrics. Kept apart from the loop so the rules live in one place:
 * delivered -> ack; rejected -> dead letter (reason kept); retry -> stays pending;
 * thrown -> the whole batch stays pending and the caller reconnects.
 */
import type { Logger } from 'pino';
import type { BufferedRecord, RecordBuffer } from '../buffer/buffer.js';
import type { Sink, WriteResult } from '../sink.js';
import type { SinkMetrics } from '../metrics.js';

export interface BatchOutcome {
  delivered: number;
  rejected: number;
  retried: number;
  /** Set when the write threw: nothing of the batch is known to be delivered. */
  thrown?: unknown;
}

export interface WriteContext {
  sink: Sink;
  buffer: RecordBuffer;
  metrics: SinkMetrics;
  log: Logger;
  monotonic: () => number;
  /** True once stop() gave up on this write: results must then not reach the buffer. */
  abandoned: () => boolean;
}

export async function writeAndRecord(batch: BufferedRecord[], ctx: WriteContext): Promise<BatchOutcome> {
  const sink = ctx.sink.name;
  const started = ctx.monotonic();
  let results: WriteResult[];
  try {
    results = await ctx.sink.write(batch.map((b) => b.record));
    if (results.length !== batch.length) {
      throw new Error(`sink ${sink} returned ${results.length} results for ${batch.length} records`);
    }
  } catch (err) {
    ctx.metrics.failed.inc({ sink, reason: 'write_error' }, batch.length);
    return { delivered: 0, rejected: 0, retried: 0, thrown: err ?? new Error('write failed') };
  } finally {
    ctx.metrics.batchDuration.observe({ sink }, (ctx.monotonic() - started) / 1000);
  }
  if (ctx.abandoned()) return { delivered: 0, rejected: 0, retried: 0 };

  const acked: number[] = [];
  const dead: Array<{ id: number; reason: string }> = [];
  let retried = 0;
  let firstRetryReason: string | undefined;
  results.forEach((result, i) => {
    const id = (batch[i] as BufferedRecord).id;
    if (result.status === 'delivered') acked.push(id);
    else if (result.status === 'rejected') dead.push({ id, reason: result.reason });
    else {
      retried++;
      firstRetryReason ??= result.reason;
    }
  });
  if (acked.length > 0) {
    ctx.buffer.ack(sink, acked);
    ctx.metrics.sent.inc({ sink }, acked.length);
  }
  if (dead.length > 0) {
    ctx.buffer.deadLetter(sink, dead);
    ctx.metrics.deadLettered.inc({ sink }, dead.length);
    ctx.metrics.failed.inc({ sink, reason: 'rejected' }, dead.length);
    // Data the upstream will never take: ERROR is kept for data loss, and this is one.
    ctx.log.error({ sink, count: dead.length, firstReason: dead[0]?.reason }, 'records rejected by upstream; dead-lettered');
  }
  if (retried > 0) {
    ctx.metrics.failed.inc({ sink, reason: 'retry' }, retried);
    ctx.log.warn({ sink, count: retried, firstReason: firstRetryReason }, 'records kept for retry');
  }
  return { delivered: acked.length, rejected: dead.length, retried };
}
