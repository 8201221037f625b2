/**
 * Crash safety, with a real child process: a node process (compiled dist/ modules: buffer, drain
 * loop, Timescale sink) appends continuously and drains to PostgreSQL; the test SIGKILLs it at
 * random moments, at least 20 times, then lets a last process drain the rest. PostgreSQL must hold
 * every record the buffer accepted exactly once.
 *
 * The child also configures an "audit" sink that nothing drains, so the buffer keeps a list of
 * every accepted record to compare against.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../core/clock.js';
import { RecordBuffer } from '../buffer/buffer.js';
import { startPgServer, type PgServer } from '../timescale/embedded-pg.js';
import { pgKeyCounts, timescaleConfigFor } from '../timescale/test-support.js';

const root = join(import.meta.dirname, '..', '..');
const dist = (p: string): string => `file://${join(root, 'dist', p)}`;
const KILLS = Number(process.env.CRASH_KILLS ?? 20);

const CHILD = `
import { RecordBuffer } from '${dist('sync/buffer/buffer.js')}';
import { DrainLoop } from '${dist('sync/drain/drain-loop.js')}';
import { TimescaleSink } from '${dist('sync/timescale/sink.js')}';
import { createSinkMetrics } from '${dist('sync/metrics.js')}';
import { makePendingRecords } from '${dist('sync/drain/fixtures.js')}';
import { SystemClock } from '${dist('core/clock.js')}';
import pino from 'pino';
import { Registry } from 'prom-client';
const cfg = JSON.parse(process.env.CRASH_CFG);
const clock = new SystemClock({ trust: 'always' });
const log = pino({ level: 'silent' });
const buffer = RecordBuffer.open({ path: cfg.bufferPath, maxBytes: 2 ** 30, synchronous: 'full', retentionMs: 86400000, sinks: ['timescale', 'audit'], clock });
const loop = new DrainLoop({ sink: new TimescaleSink(cfg.sink, log), buffer, clock, log, metrics: createSinkMetrics(new Registry()),
  batchSize: 150, backoff: { initialMs: 20, maxMs: 200 }, liveWindowMs: 60000, idlePollMs: 50 });
loop.start();
if (cfg.mode === 'crash') {
  if (cfg.backlog > 0) buffer.append(makePendingRecords(cfg.backlog, { gatewayId: cfg.gatewayId, startTs: Date.now() - 600000, stepMs: 100 }));
  setInterval(() => { buffer.append(makePendingRecords(20, { gatewayId: cfg.gatewayId, startTs: Date.now() })); loop.notify(); }, 10);
  process.stdout.write('ready\\n');
} else {
  const t = setInterval(async () => {
    if (buffer.pending('timescale', 1).length > 0) return;
    clearInterval(t);
    await loop.stop();
    buffer.close();
    process.stdout.write('done\\n');
  }, 50);
}
`;

function buildIfStale(): void {
  const pairs = ['sync/drain/drain-loop', 'sync/drain/outcome', 'sync/timescale/sink', 'sync/timescale/statements', 'sync/buffer/buffer', 'sync/drain/fixtures'];
  const stale = pairs.some((p) => {
    try {
      return statSync(join(root, 'dist', `${p}.js`)).mtimeMs < statSync(join(root, `${p}.ts`)).mtimeMs;
    } catch {
      return true;
    }
  });
  // tsc emits even when other in-progress files have type errors; the dist files are what matter.
  if (stale) spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
}

let pg: PgServer;
let dir: string;
beforeAll(async () => {
  buildIfStale();
  pg = await startPgServer();
  dir = mkdtempSync(join(tmpdir(), 'crash-'));
});
afterAll(async () => {
  await pg?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function runChild(cfg: object, killAfterReadyMs?: number): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
      cwd: root, env: { ...process.env, CRASH_CFG: JSON.stringify(cfg) }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.stdout.on('data', (d: Buffer) => {
      if (killAfterReadyMs !== undefined && d.toString().includes('ready')) setTimeout(() => child.kill('SIGKILL'), killAfterReadyMs);
    });
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('crash safety (SIGKILL while draining to PostgreSQL)', () => {
  it(`holds every accepted record exactly once after ${KILLS} kills`, { timeout: 600_000 }, async () => {
    const bufferPath = join(dir, 'buffer.sqlite');
    const gatewayId = `gw-crash-${process.pid}`;
    const base = { bufferPath, gatewayId, sink: timescaleConfigFor(pg) };
    const delays: number[] = [];
    for (let i = 0; i < KILLS; i++) {
      const delay = Math.floor(Math.random() * 1200);
      delays.push(delay);
      const run = await runChild({ ...base, mode: 'crash', backlog: i === 0 ? 3000 : 0 }, delay);
      expect(run.signal, `run ${i} (kill after ${delay} ms): ${run.stderr}`).toBe('SIGKILL');
    }
    const final = await runChild({ ...base, mode: 'drain' });
    expect(final.code, final.stderr).toBe(0);

    const buffer = RecordBuffer.open({ path: bufferPath, maxBytes: 2 ** 30, synchronous: 'normal', retentionMs: 86_400_000, sinks: ['timescale', 'audit'], clock: new SystemClock() });
    const accepted = buffer.pending('audit', 10_000_000).map((b) => b.record.key);
    expect(buffer.pending('timescale', 1)).toHaveLength(0);
    buffer.close();
    expect(accepted.length).toBeGreaterThan(3000);
    const counts = await pgKeyCounts(pg, null);
    const duplicates = [...counts].filter(([, n]) => n !== 1);
    expect(duplicates, `delays ${delays.join(',')}`).toEqual([]);
    expect(counts.size).toBe(accepted.length);
    expect(new Set(counts.keys())).toEqual(new Set(accepted));
  });
});
