/**
 * Acknowledgement commits without an fsync of their own (issue 15).
 *
 * With `synchronous: full` every commit fsyncs the WAL. Records must be (nothing counts as
 * accepted before its fsync), but a sink's acknowledgement only moves its cursor: losing one to a
 * power cut means those records are sent to that sink once more, with the same idempotency keys,
 * which every sink already absorbs (at-least-once, README "Sinks"). So acknowledgements commit
 * with `synchronous = NORMAL`: the WAL frames are written, and the next fsync of the WAL (the next
 * append, normally within a second while data flows, or the next checkpoint) makes them durable
 * with everything before them. That is one fsync a second instead of one per sink and drain cycle
 * plus one for the records: less CPU, and less wear on the SD cards gateways boot from.
 *
 * Invariants:
 * - Only the callback's transaction runs relaxed; `synchronous` is FULL again before run() returns
 *   or throws, so appends, dead letters, retention and checkpoints keep their fsync.
 * - A relaxed commit is never lost by a crash of the process (its frames are in the OS already),
 *   only by a power cut before the next fsync, and then only as a whole transaction (SQLite's WAL
 *   checksums stop recovery at the last complete commit): the cursor rolls back, never forward.
 * - With `synchronous: normal` (no fsync per commit anywhere) it does nothing.
 */
import type Database from 'better-sqlite3';

export class UnsyncedCommits {
  private readonly relax: Database.Statement | undefined;
  private readonly restore: Database.Statement | undefined;

  constructor(db: Database.Database, synchronous: 'full' | 'normal') {
    if (synchronous !== 'full') return;
    this.relax = db.prepare('PRAGMA synchronous = NORMAL');
    this.restore = db.prepare('PRAGMA synchronous = FULL');
  }

  /** Runs `commit` (one whole transaction) without the fsync at its end. */
  run<T>(commit: () => T): T {
    this.relax?.run();
    try {
      return commit();
    } finally {
      this.restore?.run();
    }
  }
}
