/**
 * The sink's PostgreSQL connection, shared with `ev-edge doctor`. Invariant: nothing is session
 * state. The connection may be a PgBouncer in transaction pooling mode, where consecutive
 * transactions run on different server connections, so:
 * - no startup parameters besides application_name (PgBouncer refuses unknown ones such as
 *   statement_timeout, "unsupported startup parameter"): the timeout is `SET LOCAL` per transaction;
 * - no SET search_path: every object (tables and TimescaleDB functions) is schema-qualified;
 * - no named prepared statements, no session temporary tables (COPY stages ON COMMIT DROP).
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { TimescaleConfig } from '../config.js';

export type ConnectionOptions = Pick<TimescaleConfig,
  'host' | 'port' | 'database' | 'user' | 'password' | 'password_file' | 'tls' | 'connect_timeout_ms' | 'statement_timeout_ms'>;

export function newClient(o: ConnectionOptions): pg.Client {
  return new pg.Client({
    host: o.host, port: o.port, database: o.database, user: o.user,
    password: o.password ?? (o.password_file ? readFileSync(o.password_file, 'utf8').trim() : undefined),
    ssl: o.tls?.enabled ? {
      rejectUnauthorized: o.tls.reject_unauthorized,
      ...(o.tls.ca_file ? { ca: readFileSync(o.tls.ca_file, 'utf8') } : {}),
      ...(o.tls.cert_file ? { cert: readFileSync(o.tls.cert_file, 'utf8') } : {}),
      ...(o.tls.key_file ? { key: readFileSync(o.tls.key_file, 'utf8') } : {}),
    } : false,
    connectionTimeoutMillis: o.connect_timeout_ms,
    // Client-side guard for a half-open connection the server never answers on.
    query_timeout: o.statement_timeout_ms + 5000,
    keepAlive: true,
    application_name: 'ev-edge',
  });
}

/** BEGIN plus the per-transaction settings a pooled connection cannot carry across transactions. */
export async function begin(client: pg.Client, o: Pick<TimescaleConfig, 'statement_timeout_ms'>): Promise<void> {
  await client.query('BEGIN');
  await client.query(`SET LOCAL statement_timeout = ${Math.floor(o.statement_timeout_ms)}`);
}
