/**
 * agent.startup_ms: process start of the compiled agent (built-in default config) until /readyz
 * answers 200, median of 5 starts. agent.rss_mb_steady: resident memory of that agent (and any
 * process it started) after BENCH_RSS_SECONDS (default 60) of the default config (scoring on);
 * agent.rss_mb_steady_scoring_off: the same with scoring disabled. The agent runs with the node
 * flags of the shipped systemd unit (agent-process.ts; BENCH_NODE_FLAGS='' measures without).
 * Run: npm run bench -- agent
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shippedNodeFlags, startAgent, stopAgent, treeRssMb, waitReady } from './agent-process.js';
import { emit, percentile } from './emit.js';

const RSS_SECONDS = Number(process.env.BENCH_RSS_SECONDS ?? 60);
const PORT = Number(process.env.BENCH_PORT ?? 19_100);

function env(dataDir: string, scoring: boolean): Record<string, string> {
  return { EV_EDGE__DATA_DIR: dataDir, EV_EDGE__HTTP__LISTEN: `127.0.0.1:${PORT}`, EV_EDGE__LOG__LEVEL: 'warn', EV_EDGE__SCORING__ENABLED: String(scoring) };
}

async function steadyRss(dir: string, scoring: boolean): Promise<number> {
  const child = startAgent(['run'], env(join(dir, `data-rss-${scoring}`), scoring));
  await waitReady(PORT, performance.now() + 30_000);
  await new Promise((r) => setTimeout(r, RSS_SECONDS * 1000));
  const rss = treeRssMb(child.pid!);
  await stopAgent(child);
  return rss;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ev-edge-bench-agent-'));
  const flags = shippedNodeFlags();
  const startups: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const child = startAgent(['run'], env(join(dir, `data-${i}`), true));
    await waitReady(PORT, t0 + 30_000);
    startups.push(performance.now() - t0);
    await stopAgent(child);
  }
  emit('agent.startup_ms', percentile(startups, 50), 'ms', { runs: startups.map((v) => Math.round(v)), config: 'built-in default', nodeFlags: flags });
  emit('agent.rss_mb_steady', await steadyRss(dir, true), 'MB', { after_s: RSS_SECONDS, config: 'built-in default (scoring on)', nodeFlags: flags });
  emit('agent.rss_mb_steady_scoring_off', await steadyRss(dir, false), 'MB', { after_s: RSS_SECONDS, config: 'built-in default, scoring off', nodeFlags: flags });
  rmSync(dir, { recursive: true, force: true });
}

await main();
