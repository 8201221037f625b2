/**
 * Per-device sequence numbers, and the floor that keeps them unique across power cuts when the
 * buffer runs with `synchronous: normal`.
 *
 * # Why a floor
 * With `synchronous: full` every commit is fsynced, so device_seq_v1.next_seq never goes back: a
 * seq (hence an idempotency key) is handed out once. With `normal` the WAL is fsynced only at
 * checkpoints, and a power cut rolls the file back to the last one, next_seq included. The agent
 * then gave the same seqs, hence the same keys, to new records, while the old ones were already
 * upstream: a sink deduplicating by key drops the new records. Found in the gateway VM (96 of 100
 * keys named two rows after 3 cuts, docs/RELIABILITY.md).
 *
 * # Invariants (normal mode)
 * - Every seq handed out for a device is below that device's floor in seq_floor_v1, and the floor
 *   row was fsynced (a separate transaction committed with synchronous=FULL) BEFORE the seq was
 *   used. The WAL is append-only, so that fsync also made everything written before it durable.
 * - Floors are reserved in blocks of FLOOR_BLOCK seqs: one extra fsync per block per device.
 * - On open after a reboot (the kernel's boot id differs from the one stored), next_seq is raised
 *   to the floor. A process crash within one boot loses nothing (the page cache still holds every
 *   commit), so then nothing is raised and the seqs stay gap-free.
 * - A clean close lowers every floor to next_seq (fsynced), so a planned restart or reboot leaves
 *   no gap either. After a power cut the seqs skip to the floor: the gap downstream covers the
 *   records the cut took plus seqs never used, which is what `normal` trades (README).
 * With `full`, nothing here writes: floors stay as they are, and raising to a stale floor on open
 * is a no-op, so switching modes in either direction keeps the invariant.
 */
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { META, T } from './schema.js';

/** Seqs reserved per fsync and device (~4 min of a 1 Hz device between extra fsyncs). */
export const FLOOR_BLOCK = 256;
const BOOT_KEY = 'seq_boot_id';

/** The kernel's id of this boot; a fresh random id where Linux's is unreadable (then every open counts as a reboot). */
export function currentBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return `unknown-${randomUUID()}`;
  }
}

type Stmt = Database.Statement;

export class DeviceSeqs {
  private readonly floors = new Map<string, number>();
  private readonly s: Record<'next' | 'setNext' | 'setFloor' | 'raiseToFloors' | 'floorsToNext' | 'bootId' | 'setBootId', Stmt>;

  constructor(
    private readonly db: Database.Database,
    private readonly synchronous: 'full' | 'normal',
  ) {
    this.s = {
      next: db.prepare(`SELECT next_seq AS n FROM ${T.deviceSeq} WHERE device_id = ?`),
      setNext: db.prepare(`INSERT INTO ${T.deviceSeq} (device_id, next_seq) VALUES (?, ?)
        ON CONFLICT (device_id) DO UPDATE SET next_seq = excluded.next_seq`),
      setFloor: db.prepare(`INSERT INTO ${T.seqFloor} (device_id, floor) VALUES (?, ?)
        ON CONFLICT (device_id) DO UPDATE SET floor = excluded.floor`),
      raiseToFloors: db.prepare(`INSERT INTO ${T.deviceSeq} (device_id, next_seq) SELECT device_id, floor FROM ${T.seqFloor} WHERE true
        ON CONFLICT (device_id) DO UPDATE SET next_seq = excluded.next_seq WHERE excluded.next_seq > next_seq`),
      floorsToNext: db.prepare(`UPDATE ${T.seqFloor} SET floor = coalesce(
        (SELECT next_seq FROM ${T.deviceSeq} d WHERE d.device_id = ${T.seqFloor}.device_id), floor)`),
      bootId: db.prepare(`SELECT value FROM ${META} WHERE key = '${BOOT_KEY}'`),
      setBootId: db.prepare(`INSERT OR REPLACE INTO ${META} (key, value) VALUES ('${BOOT_KEY}', ?)`),
    };
  }

  /**
   * Call once after opening a writable buffer, inside a transaction. Returns how many devices'
   * next_seq was raised to its floor: more than 0 means a power cut took commits (normal mode).
   */
  opened(bootId: string): number {
    const stored = (this.s.bootId.get() as { value: string } | undefined)?.value;
    const raised = stored === bootId ? 0 : this.s.raiseToFloors.run().changes;
    if (this.synchronous === 'normal') this.s.setBootId.run(bootId);
    for (const row of this.db.prepare(`SELECT device_id AS d, floor AS f FROM ${T.seqFloor}`).all() as Array<{ d: string; f: number }>) {
      this.floors.set(row.d, row.f);
    }
    return raised;
  }

  /**
   * Normal mode, before the append transaction: make sure each device's floor lies above the seqs
   * this batch can take, fsyncing a new floor when it does not. Outside the append so that the
   * fsync covers the floor alone (synchronous cannot change inside a transaction).
   */
  reserve(deviceIds: Iterable<string>): void {
    if (this.synchronous !== 'normal') return;
    const counts = new Map<string, number>();
    for (const id of deviceIds) counts.set(id, (counts.get(id) ?? 0) + 1);
    const raise: Array<[string, number]> = [];
    for (const [deviceId, count] of counts) {
      const next = this.next(deviceId);
      if (next + count > (this.floors.get(deviceId) ?? 0)) raise.push([deviceId, next + count + FLOOR_BLOCK]);
    }
    if (raise.length === 0) return;
    this.durably(() => {
      for (const [deviceId, floor] of raise) this.s.setFloor.run(deviceId, floor);
    });
    for (const [deviceId, floor] of raise) this.floors.set(deviceId, floor);
  }

  next(deviceId: string): number {
    return (this.s.next.get(deviceId) as { n: number } | undefined)?.n ?? 1;
  }

  setNext(deviceId: string, next: number): void {
    this.s.setNext.run(deviceId, next);
  }

  /** Normal mode, on a clean close: floors down to next_seq, fsynced, so the next start leaves no gap. */
  closing(): void {
    if (this.synchronous !== 'normal' || this.floors.size === 0) return;
    this.durably(() => this.s.floorsToNext.run());
  }

  private durably(write: () => void): void {
    this.db.pragma('synchronous = FULL');
    try {
      this.db.transaction(write).immediate();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }
}
