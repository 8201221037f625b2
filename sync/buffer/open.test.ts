import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BufferOpenError, BufferReadOnlyError, RecordBuffer } from './buffer.js';
import { batteryRecord, openTestBuffer, tempDir } from './test-support.js';

/** Runs the open and returns what it threw, so each test can assert the reason and the path. */
function openError(open: () => unknown): BufferOpenError {
  try {
    const buffer = open();
    (buffer as RecordBuffer).close();
  } catch (err) {
    expect(err).toBeInstanceOf(BufferOpenError);
    return err as BufferOpenError;
  }
  throw new Error('open succeeded');
}

describe('RecordBuffer.open', () => {
  let dir: string;
  let cleanup: () => void;
  let path: string;

  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    path = join(dir, 'buffer.sqlite');
  });
  afterEach(() => cleanup());

  it('creates a WAL file with incremental auto-vacuum and the schema version', () => {
    openTestBuffer(path).buffer.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2); // INCREMENTAL
    expect(db.prepare(`SELECT value FROM buffer_meta WHERE key = 'schema_version'`).get()).toEqual({ value: '1' });
    db.close();
  });

  it('refuses a file that is not a database, naming the path and leaving the file alone', () => {
    const junk = Buffer.from('this is a log file, not SQLite\n'.repeat(200));
    writeFileSync(path, junk);
    const err = openError(() => openTestBuffer(path));
    expect(err).toMatchObject({ code: 'EV_EDGE_BUFFER_OPEN', reason: 'corrupt', path });
    expect(err.message).toContain(path);
    expect(readFileSync(path).equals(junk)).toBe(true);
  });

  it('refuses a database whose first page was cut off', () => {
    const { buffer } = openTestBuffer(path);
    buffer.append(Array.from({ length: 200 }, (_, i) => batteryRecord('pack-1', i, i)));
    buffer.close();
    truncateSync(path, 50); // the 100-byte header is incomplete
    expect(openError(() => openTestBuffer(path))).toMatchObject({ reason: 'corrupt', path });
  });

  it('refuses a file written by a newer schema', () => {
    openTestBuffer(path).buffer.close();
    const db = new Database(path);
    db.prepare(`UPDATE buffer_meta SET value = '2' WHERE key = 'schema_version'`).run();
    db.close();
    const err = openError(() => openTestBuffer(path));
    expect(err).toMatchObject({ reason: 'newer_schema', path });
    expect(err.message).toMatch(/schema 2.*up to 1/);
  });

  it("refuses someone else's SQLite database instead of adding tables to it", () => {
    const db = new Database(path);
    db.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY)');
    db.close();
    expect(openError(() => openTestBuffer(path))).toMatchObject({ reason: 'foreign', path });
    const check = new Database(path, { readonly: true });
    expect(check.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all()).toEqual([{ name: 'invoices' }]);
    check.close();
  });

  it('read-only: a missing file is an error, not created', () => {
    const err = openError(() => openTestBuffer(path, { readOnly: true }));
    expect(err).toMatchObject({ reason: 'missing', path });
  });

  it('read-only: reads beside a live writer, never writes, and sees a configured sink the writer lacks', () => {
    const { buffer: writer, clock } = openTestBuffer(path, { sinks: ['a'] });
    writer.append([batteryRecord('pack-1', 1), batteryRecord('pack-1', 2)]);
    writer.ack('a', [1]);
    const { buffer: reader } = openTestBuffer(path, { readOnly: true, sinks: ['a', 'b'], clock });
    expect(reader.stats()).toMatchObject({
      rows: 2,
      sinks: [
        { sink: 'a', cursor: 1, pending: 1 },
        { sink: 'b', cursor: 0, pending: 2 },
      ],
    });
    expect(() => reader.append([batteryRecord('pack-1', 3)])).toThrow(BufferReadOnlyError);
    expect(() => reader.ack('a', [2])).toThrow(BufferReadOnlyError);
    expect(() => reader.applyRetention()).toThrow(BufferReadOnlyError);
    reader.close();
    // The writer's cursors are as it left them: the reader removed nothing.
    expect(writer.stats().sinks).toEqual([{ sink: 'a', cursor: 1, pending: 1, oldestUnsentTs: 2, deadLetters: 0 }]);
    writer.close();
  });

  it('read-only: opens a buffer no writer has open', () => {
    const { buffer } = openTestBuffer(path, { sinks: ['a'] });
    buffer.append([batteryRecord('pack-1', 1)]);
    buffer.close();
    const { buffer: reader } = openTestBuffer(path, { readOnly: true, sinks: ['a'] });
    expect(reader.stats().rows).toBe(1);
    reader.close();
    reader.close(); // twice is fine
  });
});
