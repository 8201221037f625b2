/**
 * Row counts kept in the database and updated inside the same transactions that insert and delete
 * rows, so stats() never counts a table: on a full 512 MiB buffer a count(*) takes seconds on a
 * Raspberry Pi, and stats() runs every few seconds on the agent's event loop. Being in the same
 * transactions, the counters are exactly as crash-safe as the rows they count.
 */
import type Database from 'better-sqlite3';
import { T } from './schema.js';

export class RowCounter {
  private readonly getStmt: Database.Statement;
  private readonly addStmt: Database.Statement;

  constructor(db: Database.Database) {
    this.getStmt = db.prepare(`SELECT value FROM ${T.counters} WHERE name = 'rows'`);
    this.addStmt = db.prepare(`UPDATE ${T.counters} SET value = value + ? WHERE name = 'rows'`);
  }

  rows(): number {
    return (this.getStmt.get() as { value: number }).value;
  }

  add(delta: number): void {
    if (delta !== 0) this.addStmt.run(delta);
  }
}
