/**
 * agent.startup_ms: process start of the compiled agent (built-in default config) until /readyz
 * answers 200, median of 5 starts. agent.rss_mb_steady: resident memory of that agent after
 * BENCH_RSS_SECONDS (default 60) of running the default config.
 * Run: npm run bench -- agent
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emit, percentile } from './emit.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'agent', 'cli.js');
const RSS_SECONDS = Number(process.env.BENCH_RSS_SECONDS ?? 60);
const PORT = Number(process.env.BENCH_PORT ?? 19_100);

function startAgent(dataDir: string): ChildProcess {
  return spawn(process.execPath, [CLI, 'run'], {
    env: { ...process.env, EV_EDGE__DATA_DIR: dataDir, EV_EDGE__HTTP__LISTEN: `127.0.0.1:${PORT}`, EV_EDGE__LOG__LEVEL: 'warn' },
    stdio: 'ignore',
  });
}

async function waitReady(deadlineMs: number): Promise<void> {
  while (performance.now() < deadlineMs) {
    try {
      const res = await fetch(`http://127.0.0.1:${PORT}/readyz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('agent did not become ready');
}

async function stop(child: ChildProcess): Promise<void> {
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ev-edge-bench-agent-'));
  const startups: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const child = startAgent(join(dir, `data-${i}`));
    await waitReady(t0 + 30_000);
    startups.push(performance.now() - t0);
    await stop(child);
  }
  emit('agent.startup_ms', percentile(startups, 50), 'ms', { runs: startups.map((v) => Math.round(v)), config: 'built-in default' });

  const child = startAgent(join(dir, 'data-rss'));
  await waitReady(performance.now() + 30_000);
  await new Promise((r) => setTimeout(r, RSS_SECONDS * 1000));
  const rss = rssMb(child.pid!);
  await stop(child);
  rmSync(dir, { recursive: true, force: true });
  emit('agent.rss_mb_steady', rss, 'MB', { after_s: RSS_SECONDS, config: 'built-in default' });
}

await main();
