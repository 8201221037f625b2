/**
 * scoring.first_prediction_s: process start of the compiled agent with the built-in default config
 * (no config file) until the first prediction record is committed to its buffer (read from the
 * SQLite file, read-only, as a status reader would). Must be at most 300 s (issue 14).
 * scoring.first_rul_s: the same until the first rul_capacity prediction (the demo clock of the
 * default config lets the simulated pack age two cycles in minutes); not emitted if none comes
 * within BENCH_RUL_SECONDS (default 900).
 * Run: npm run bench -- scoring-first
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { EdgeRecord } from '../core/record.js';
import { BUFFER_FILE_NAME } from '../sync/buffer/index.js';
import { T } from '../sync/buffer/schema.js';
import { emit } from './emit.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'agent', 'cli.js');
const PORT = Number(process.env.BENCH_PORT ?? 19_110);
const FIRST_DEADLINE_S = 300;
const RUL_DEADLINE_S = Number(process.env.BENCH_RUL_SECONDS ?? 900);

function firstPrediction(file: string, model?: string): EdgeRecord | undefined {
  if (!existsSync(file)) return undefined;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 2000');
    const rows = db.prepare(`SELECT payload FROM ${T.records} WHERE type = 'prediction' ORDER BY id`).iterate() as Iterable<{ payload: string }>;
    for (const row of rows) {
      const record = JSON.parse(row.payload) as EdgeRecord;
      if (record.type === 'prediction' && (model === undefined || record.prediction.model === model)) return record;
    }
    return undefined;
  } catch {
    return undefined; // tables not created yet
  } finally {
    db.close();
  }
}

async function waitFor(file: string, t0: number, deadlineS: number, model?: string): Promise<{ s: number; record: EdgeRecord } | undefined> {
  while ((performance.now() - t0) / 1000 < deadlineS) {
    const record = firstPrediction(file, model);
    if (record) return { s: (performance.now() - t0) / 1000, record };
    await new Promise((r) => setTimeout(r, model ? 2000 : 100));
  }
  return undefined;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ev-edge-bench-first-'));
  const file = join(dir, BUFFER_FILE_NAME);
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, [CLI, 'run'], {
    env: { ...process.env, EV_EDGE__DATA_DIR: dir, EV_EDGE__HTTP__LISTEN: `127.0.0.1:${PORT}`, EV_EDGE__LOG__LEVEL: 'warn' },
    stdio: 'ignore',
  });
  try {
    const first = await waitFor(file, t0, FIRST_DEADLINE_S);
    if (!first) throw new Error(`no prediction record in the buffer within ${FIRST_DEADLINE_S} s`);
    const p = first.record.type === 'prediction' ? first.record.prediction : undefined;
    emit('scoring.first_prediction_s', first.s, 's', { config: 'built-in default', model: p?.model, basis: p?.basis, limit_s: FIRST_DEADLINE_S });
    const rul = await waitFor(file, t0, RUL_DEADLINE_S, 'rul_capacity');
    if (rul && rul.record.type === 'prediction') {
      emit('scoring.first_rul_s', rul.s, 's', { config: 'built-in default', outputs: rul.record.prediction.outputs, basis: rul.record.prediction.basis });
    } else {
      process.stderr.write(`no rul_capacity prediction within ${RUL_DEADLINE_S} s\n`);
    }
  } finally {
    const done = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await done;
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
