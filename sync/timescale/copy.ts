/**
 * write_method `copy`: COPY ... FROM STDIN (text format) into a temporary staging table, then
 * INSERT ... SELECT ... ON CONFLICT (key, ts) DO NOTHING into the real table, in the batch's
 * transaction. The staging table is created in that transaction and ON COMMIT DROP: behind a
 * PgBouncer in transaction mode the next batch may run on another server connection, where a
 * session-long temporary table would not exist.
 *
 * pg has no COPY FROM STDIN of its own (pg-copy-streams adds it; it is not a dependency), so this
 * is the minimal "submittable" pg accepts for custom protocol flows: send the COPY statement, on
 * CopyInResponse send the data and CopyDone, finish on ReadyForQuery (or the server's error).
 */
import type pg from 'pg';
import type { EdgeRecord } from '../../core/record.js';
import { columnsFor, type ColumnKind, type RowOptions, type TableName } from './rows.js';

interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

class CopyFromStdin {
  callback: ((err: Error | null) => void) | undefined;
  private finished = false;
  constructor(
    readonly text: string,
    private readonly data: Buffer,
  ) {}
  submit(connection: CopyConnection): void {
    connection.query(this.text);
  }
  handleCopyInResponse(connection: CopyConnection): void {
    for (let at = 0; at < this.data.length; at += 65_536) connection.sendCopyFromChunk(this.data.subarray(at, at + 65_536));
    connection.endCopyFrom();
  }
  handleCommandComplete(): void {}
  handleReadyForQuery(): void {
    this.finish(null);
  }
  handleError(err: Error): void {
    this.finish(err);
  }
  private finish(err: Error | null): void {
    if (this.finished) return;
    this.finished = true;
    this.callback?.(err);
  }
}

/** COPY text format: backslash escapes for the four special characters, \N for NULL. */
function escapeCopy(text: string): string {
  return text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

function copyValue(kind: ColumnKind, v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  switch (kind) {
    case 'ts':
      return new Date(v as number).toISOString();
    case 'bool':
      return v ? 't' : 'f';
    case 'textarr':
      return escapeCopy(`{${(JSON.parse(v as string) as string[]).map((s) => `"${s.replace(/["\\]/g, '\\$&')}"`).join(',')}}`);
    default:
      return escapeCopy(String(v));
  }
}

export function copyPayload(table: TableName, records: readonly EdgeRecord[], options: RowOptions): Buffer {
  const cols = columnsFor(table, options);
  const lines = records.map((r) => `${cols.map((c) => copyValue(c.kind, c.get(r))).join('\t')}\n`);
  return Buffer.from(lines.join(''), 'utf8');
}

/** Stages `records` with COPY and moves them into `schema.table`; call inside the batch's transaction. */
export async function copyInsert(client: pg.Client, schema: string, table: TableName, records: readonly EdgeRecord[], options: RowOptions): Promise<void> {
  const stage = `ev_edge_stage_${table}`;
  await client.query(`CREATE TEMP TABLE IF NOT EXISTS ${stage} (LIKE ${schema}.${table} INCLUDING DEFAULTS) ON COMMIT DROP`);
  const names = columnsFor(table, options).map((c) => c.name).join(', ');
  await new Promise<void>((resolve, reject) => {
    const copy = new CopyFromStdin(`COPY ${stage} (${names}) FROM STDIN`, copyPayload(table, records, options));
    copy.callback = (err) => (err ? reject(err) : resolve());
    void client.query(copy as unknown as pg.QueryConfig);
  });
  await client.query(`INSERT INTO ${schema}.${table} (${names}) SELECT ${names} FROM ${stage} ON CONFLICT (key, ts) DO NOTHING`);
}
