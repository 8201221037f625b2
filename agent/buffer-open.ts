/**
 * Opening the buffer at start-up. A corrupt file (power loss on a bad SD card, a truncated copy)
 * must not keep the gateway from collecting data: the file is moved aside with its WAL, the fact
 * is logged at ERROR (data loss is possible), and a fresh buffer is started. A file from a newer
 * ev-edge or a foreign database is never touched: the agent refuses to start and says why.
 */
import { existsSync, renameSync } from 'node:fs';
import type { Logger } from 'pino';
import { BufferOpenError, RecordBuffer, type BufferOptions } from '../sync/buffer/index.js';

export function openBufferOrMoveAside(options: BufferOptions, log: Logger, now = () => Date.now()): RecordBuffer {
  try {
    const buffer = RecordBuffer.open(options);
    if (buffer.seqsRaisedOnOpen > 0) {
      log.warn({ devices: buffer.seqsRaisedOnOpen }, 'buffer lost its newest commits in a power cut (synchronous: normal); those records are gone unless a sink had them, and seqs skip ahead so no idempotency key is reused');
    }
    return buffer;
  } catch (err) {
    if (!(err instanceof BufferOpenError) || err.reason !== 'corrupt') throw err;
    const aside = `${options.path}.corrupt-${new Date(now()).toISOString().replace(/[:.]/g, '-')}`;
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(options.path + suffix)) renameSync(options.path + suffix, aside + suffix);
    }
    log.error({ err, movedTo: aside }, 'buffer file is corrupt; moved aside, starting with an empty buffer');
    return RecordBuffer.open(options);
  }
}
