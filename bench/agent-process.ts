/**
 * Starting the compiled agent as it is shipped (the node flags of systemd/ev-edge.service's
 * ExecStart, which Dockerfile.arm64 and `npm start` repeat) and reading its footprint from /proc:
 * resident memory and CPU time of the agent AND every process it started (none today; counted so
 * that moving work into a child process cannot hide it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'dist', 'agent', 'cli.js');
/** Linux's USER_HZ, the unit of utime/stime in /proc/PID/stat (100 on every Linux Node supports). */
const CLOCK_TICKS_PER_S = 100;

/**
 * The `--flags` between /usr/bin/node and the script in the shipped unit; BENCH_NODE_FLAGS overrides
 * ('' = none). BENCH_NODE_EXTRA_FLAGS are added after them (diagnostics such as
 * `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=/tmp/snaps`), keeping the shipped ones.
 */
export function shippedNodeFlags(): string[] {
  const extra = (process.env.BENCH_NODE_EXTRA_FLAGS ?? '').split(/\s+/).filter((f) => f !== '');
  return [...baseNodeFlags(), ...extra];
}

function baseNodeFlags(): string[] {
  if (process.env.BENCH_NODE_FLAGS !== undefined) return process.env.BENCH_NODE_FLAGS.split(/\s+/).filter((f) => f !== '');
  const unit = readFileSync(join(ROOT, 'systemd', 'ev-edge.service'), 'utf8');
  const exec = /^ExecStart=\S+\s+(.*?)\s+\/opt\/ev-edge\/dist\/agent\/cli\.js/m.exec(unit);
  return (exec?.[1] ?? '').split(/\s+/).filter((f) => f.startsWith('--'));
}

/**
 * BENCH_AGENT_ENV='K=V K2=V2' is set for the agent only, not for the servers a bench starts beside
 * it: MALLOC_ARENA_MAX=2, or LD_PRELOAD=/usr/lib/heaptrack/libheaptrack_preload.so with
 * DUMP_HEAPTRACK_OUTPUT=FIFO for heaptrack (docs/BENCHMARKS.md "RSS growth (soak)").
 * BENCH_AGENT_OUTPUT=FILE appends the agent's stdout and stderr there (e.g. with --trace-gc in
 * BENCH_NODE_EXTRA_FLAGS).
 */
export function startAgent(args: string[], env: Record<string, string>): ChildProcess {
  const extra = Object.fromEntries((process.env.BENCH_AGENT_ENV ?? '').split(/\s+/).filter((kv) => kv.includes('=')).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const own = { ...process.env };
  delete own.BENCH_AGENT_ENV;
  const output = process.env.BENCH_AGENT_OUTPUT ? openSync(process.env.BENCH_AGENT_OUTPUT, 'a') : 'ignore';
  return spawn(process.execPath, [...shippedNodeFlags(), CLI, ...args], { env: { ...own, ...extra, ...env }, stdio: ['ignore', output, output] });
}

export async function waitReady(port: number, deadlineMs: number): Promise<void> {
  while (performance.now() < deadlineMs) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('agent did not become ready');
}

export async function stopAgent(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}

/** The process and all its descendants. */
function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  return tree;
}

/** VmRSS of the agent and its descendants, MB. */
export function treeRssMb(pid: number): number {
  return processTree(pid).reduce((sum, p) => {
    try {
      return sum + Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    } catch {
      return sum;
    }
  }, 0);
}

/** CPU seconds (user + system) used so far by the agent and its live descendants. */
export function treeCpuSeconds(pid: number): number {
  return processTree(pid).reduce((sum, p) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return sum + (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
    } catch {
      return sum;
    }
  }, 0);
}
