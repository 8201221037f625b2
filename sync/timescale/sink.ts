/**
 * TimescaleDB / PostgreSQL sink. One connection, one transaction per batch, 'delivered' only after
 * COMMIT returned. Re-sends are harmless: every insert is ON CONFLICT (key, ts) DO NOTHING.
 *
 * Error classes (decided here, per sink):
 * - SQLSTATE class 22 (data exception: bad value, NUL byte in text) or 23 (integrity): the data is
 *   at fault. The batch is bisected until the offending records are isolated; they come back
 *   'rejected' with the server's message and everything else is committed.
 * - Everything else (network, server shutting down, timeouts, a dropped table): thrown, so the
 *   whole batch stays buffered and the drain loop reconnects with backoff. A COMMIT whose answer
 *   was lost is also thrown: its re-send then finds the rows already there.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { EdgeRecord } from '../../core/record.js';
import type { TimescaleConfig } from '../config.js';
import { probeTcp, type ProbeHello } from '../probe.js';
import type { Sink, WriteResult } from '../sink.js';
import { begin, newClient } from './connection.js';
import { setupTimescale, type TimescaleMode } from './hypertables.js';
import { migrate } from './migrations.js';
import { precheck, tableOf, type TableName } from './rows.js';
import { copyInsert } from './copy.js';
import { unnestInsert, valuesInserts, type Statement } from './statements.js';

export type TimescaleSinkOptions = Pick<TimescaleConfig,
  'host' | 'port' | 'database' | 'user' | 'password' | 'password_file' | 'schema' | 'extension_schema' | 'tls' | 'connect_timeout_ms'
  | 'statement_timeout_ms' | 'timescale' | 'chunk_interval' | 'compress_after' | 'retention' | 'write_method' | 'record'>;

export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}

/**
 * SSLRequest (length 8, code 80877103): the server answers one byte ('S' or 'N') before any
 * authentication. PostgreSQL's source skips the log line for a client that leaves after 'N'; after
 * 'S' (ssl = on) it may log "could not accept SSL connection" (not checked here), once per outage
 * at most, since the loop stops probing when the upstream answers.
 */
export const SSL_REQUEST_HELLO: ProbeHello = {
  request: Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]),
  answered: (received) => received.length >= 1,
};

export class TimescaleSink implements Sink {
  readonly name = 'timescale';
  private client: pg.Client | undefined;
  private broken: Error | undefined;
  private migrated = false;
  mode: TimescaleMode | undefined;

  constructor(
    private readonly options: TimescaleSinkOptions,
    private readonly log: Logger,
  ) {}

  async connect(): Promise<void> {
    if (this.client && !this.broken) return;
    await this.close();
    const o = this.options;
    const client = newClient(o);
    // Without a listener a server restart would crash the process; remember it and fail the next write.
    client.on('error', (err) => {
      this.broken = err;
    });
    this.broken = undefined;
    this.client = client;
    try {
      await client.connect();
      if (!this.migrated) {
        const applied = await migrate(client, o, (msg, extra) => this.log.warn({ sink: this.name, ...extra }, msg));
        if (applied.length > 0) this.log.info({ sink: this.name, applied }, 'schema migrations applied');
        this.mode = await setupTimescale(client, o, this.log);
        this.migrated = true;
      }
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** TCP (or the Unix socket when `host` is a directory) and an SSLRequest answered. */
  probe(): Promise<void> {
    const o = this.options;
    const target = o.host.startsWith('/') ? { path: `${o.host}/.s.PGSQL.${o.port}` } : { host: o.host, port: o.port };
    return probeTcp(target, { timeoutMs: o.connect_timeout_ms, hello: SSL_REQUEST_HELLO });
  }

  async write(batch: readonly EdgeRecord[]): Promise<WriteResult[]> {
    const client = this.client;
    if (!client || this.broken) throw new Error(`timescale: not connected${this.broken ? ` (${this.broken.message})` : ''}`);
    const results: WriteResult[] = new Array(batch.length);
    const good: number[] = [];
    batch.forEach((r, i) => {
      const problem = precheck(r);
      if (problem) results[i] = { status: 'rejected', reason: problem };
      else good.push(i);
    });
    await this.writeOrBisect(client, batch, good, results);
    return results;
  }

  /** Commits `indices` in one transaction; on a data error splits them until the culprits are found. */
  private async writeOrBisect(client: pg.Client, batch: readonly EdgeRecord[], indices: number[], results: WriteResult[]): Promise<void> {
    if (indices.length === 0) return;
    try {
      await this.commit(client, indices.map((i) => batch[i] as EdgeRecord));
      for (const i of indices) results[i] = { status: 'delivered' };
    } catch (err) {
      if (!isDataError(err) || this.broken) throw err;
      if (indices.length === 1) {
        const e = err as { code: string; message: string };
        results[indices[0] as number] = { status: 'rejected', reason: `postgres ${e.code}: ${e.message}` };
        return;
      }
      const mid = Math.ceil(indices.length / 2);
      await this.writeOrBisect(client, batch, indices.slice(0, mid), results);
      await this.writeOrBisect(client, batch, indices.slice(mid), results);
    }
  }

  private async commit(client: pg.Client, records: EdgeRecord[]): Promise<void> {
    const byTable = new Map<TableName, EdgeRecord[]>();
    for (const r of records) {
      const table = tableOf(r) as TableName;
      const list = byTable.get(table);
      if (list) list.push(r);
      else byTable.set(table, [r]);
    }
    const statements: Statement[] = [];
    const { write_method: method, schema, record } = this.options;
    const columns = { withRecord: record === 'full' };
    for (const [table, rows] of byTable) {
      if (method === 'values') statements.push(...valuesInserts(schema, table, rows, columns));
      else if (method === 'insert') statements.push(unnestInsert(schema, table, rows, columns));
    }
    await begin(client, this.options);
    try {
      if (method === 'copy') for (const [table, rows] of byTable) await copyInsert(client, schema, table, rows, columns);
      for (const s of statements) await client.query(s.text, s.values);
      await client.query('COMMIT');
    } catch (err) {
      if (!this.broken) await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    // end() waits for the server's goodbye; a dead server must not hang shutdown.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      client.end().catch(() => {}),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 2000);
      }),
    ]);
    clearTimeout(timer);
  }
}
