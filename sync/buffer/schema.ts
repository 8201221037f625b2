/**
 * Opening the SQLite file: pragmas, schema creation and the version check. See buffer.ts for the
 * invariants these tables carry.
 *
 * The schema version is part of every table name (records_v1 ...) so that a future v2 can be
 * created beside v1 and filled by a migration inside one transaction, never by ALTERing live
 * tables. buffer_meta is the one unversioned table: it says which version the file holds.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { BufferOpenError, openFailure } from './errors.js';

export const SCHEMA_VERSION = 1;

/** Table names, versioned. Everything else refers to these constants. */
export const T = {
  records: 'records_v1',
  deviceSeq: 'device_seq_v1',
  cursors: 'sink_cursors_v1',
  ackedAhead: 'sink_acked_ahead_v1',
  deadLetters: 'dead_letters_v1',
  dropCounts: 'drop_counts_v1',
  counters: 'counters_v1',
  seqFloor: 'seq_floor_v1',
} as const;

/** The one unversioned table: key/value facts about the file (schema_version, seqs.ts's boot id). */
export const META = 'buffer_meta';

/** The WAL is truncated back to this after a checkpoint, so a burst does not keep its disk. */
const JOURNAL_SIZE_LIMIT = 16 * 1024 * 1024;
/** A status reader or a checkpoint holding the lock: wait this long before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

const DDL = `
CREATE TABLE IF NOT EXISTS ${T.records} (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id TEXT    NOT NULL,
  seq       INTEGER NOT NULL,
  type      TEXT    NOT NULL,
  ts        INTEGER NOT NULL,
  payload   TEXT    NOT NULL,
  UNIQUE (device_id, seq)
);
CREATE TABLE IF NOT EXISTS ${T.deviceSeq} (
  device_id TEXT PRIMARY KEY,
  next_seq  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ${T.cursors} (
  sink         TEXT PRIMARY KEY,
  delivered_id INTEGER NOT NULL,
  pending      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ${T.ackedAhead} (
  sink TEXT    NOT NULL,
  id   INTEGER NOT NULL,
  PRIMARY KEY (sink, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ${T.deadLetters} (
  dl_id     INTEGER PRIMARY KEY AUTOINCREMENT,
  sink      TEXT    NOT NULL,
  record_id INTEGER NOT NULL,
  key       TEXT    NOT NULL,
  reason    TEXT    NOT NULL,
  payload   TEXT    NOT NULL,
  at        INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ${T.deadLetters}_sink ON ${T.deadLetters} (sink, dl_id);
CREATE TABLE IF NOT EXISTS ${T.seqFloor} (
  device_id TEXT PRIMARY KEY,
  floor     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ${T.counters} (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO ${T.counters} (name, value) VALUES ('rows', 0);
CREATE TABLE IF NOT EXISTS ${T.dropCounts} (
  reason TEXT    NOT NULL,
  type   TEXT    NOT NULL,
  count  INTEGER NOT NULL,
  PRIMARY KEY (reason, type)
) WITHOUT ROWID;
`;

export interface OpenSettings {
  path: string;
  synchronous: 'full' | 'normal';
  readOnly: boolean;
}

/** Opens (creating if allowed) and checks the file; throws BufferOpenError naming the path. */
export function openDatabase(settings: OpenSettings): Database.Database {
  const { path, readOnly } = settings;
  if (readOnly && !existsSync(path)) throw new BufferOpenError(path, 'missing', 'no such file');
  let db: Database.Database;
  try {
    if (!readOnly) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { readonly: readOnly, fileMustExist: readOnly });
  } catch (err) {
    throw openFailure(path, err);
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (readOnly) checkVersion(db, path, false);
    else prepareWritable(db, settings);
    return db;
  } catch (err) {
    db.close();
    throw openFailure(path, err);
  }
}

function prepareWritable(db: Database.Database, settings: OpenSettings): void {
  // Reading sqlite_master is the first real read: a file that is not a database fails here.
  const fresh = objectCount(db) === 0;
  // auto_vacuum only takes effect if set before the first table exists (else it needs a VACUUM).
  if (fresh) db.pragma('auto_vacuum = INCREMENTAL');
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') throw new BufferOpenError(settings.path, 'io', `cannot enable WAL (journal_mode=${String(mode)})`);
  db.pragma(`synchronous = ${settings.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
  db.transaction(() => {
    checkVersion(db, settings.path, true);
    db.exec(DDL);
    db.prepare(`INSERT OR REPLACE INTO ${META} (key, value) VALUES ('schema_version', ?)`).run(String(SCHEMA_VERSION));
  }).immediate();
}

function objectCount(db: Database.Database): number {
  return (db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n;
}

/**
 * Refuses a file from a newer schema, or an SQLite file that is not a buffer. With `create`, an
 * empty file gets the meta table (the caller then creates the rest in the same transaction).
 */
function checkVersion(db: Database.Database, path: string, create: boolean): void {
  const hasMeta = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(META) !== undefined;
  if (!hasMeta) {
    if (objectCount(db) > 0) throw new BufferOpenError(path, 'foreign', 'an SQLite database, but not an ev-edge buffer (no buffer_meta table)');
    if (!create) throw new BufferOpenError(path, 'foreign', 'an empty database, not an ev-edge buffer');
    db.exec(`CREATE TABLE ${META} (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    return;
  }
  const row = db.prepare(`SELECT value FROM ${META} WHERE key = 'schema_version'`).get() as { value: string } | undefined;
  const version = Number(row?.value ?? Number.NaN);
  if (!Number.isInteger(version)) throw new BufferOpenError(path, 'corrupt', `buffer_meta has no valid schema_version (${String(row?.value)})`);
  if (version > SCHEMA_VERSION) {
    throw new BufferOpenError(path, 'newer_schema', `written by a newer ev-edge (schema ${version}; this build reads up to ${SCHEMA_VERSION})`);
  }
}
