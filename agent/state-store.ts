/**
 * Small durable key/value state beside the buffer (`state.sqlite` in data_dir): per-device feature
 * state of the scoring stage, so restarts do not forget capacity history or cycle counts.
 * Separate from the buffer so that state writes never contend with the telemetry transaction and
 * a corrupt state file costs only feature history, never records (it is moved aside, like the
 * buffer, and the agent starts with fresh state).
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';

export const STATE_FILE_NAME = 'state.sqlite';

export class StateStore {
  private constructor(
    private readonly db: Database.Database,
    private readonly getStmt: Database.Statement<[string], { value: string }>,
    private readonly putStmt: Database.Statement<[string, string, number]>,
  ) {}

  static open(path: string, log: Logger): StateStore {
    mkdirSync(dirname(path), { recursive: true });
    try {
      return StateStore.openUnchecked(path);
    } catch (err) {
      const aside = `${path}.corrupt-${Date.now()}`;
      for (const suffix of ['', '-wal', '-shm']) if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
      log.error({ err, movedTo: aside }, 'state file unreadable; moved aside, starting with fresh feature state');
      return StateStore.openUnchecked(path);
    }
  }

  private static openUnchecked(path: string): StateStore {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') {
      db.close();
      throw new Error(`quick_check: ${String(check)}`);
    }
    db.exec('CREATE TABLE IF NOT EXISTS kv_v1 (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_ms INTEGER NOT NULL)');
    return new StateStore(
      db,
      db.prepare('SELECT value FROM kv_v1 WHERE key = ?'),
      db.prepare('INSERT INTO kv_v1 (key, value, updated_ms) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms'),
    );
  }

  get(key: string): unknown {
    const row = this.getStmt.get(key);
    if (!row) return undefined;
    try {
      return JSON.parse(row.value) as unknown;
    } catch {
      return undefined;
    }
  }

  put(key: string, value: unknown, now = Date.now()): void {
    this.putStmt.run(key, JSON.stringify(value), now);
  }

  close(): void {
    this.db.close();
  }
}
