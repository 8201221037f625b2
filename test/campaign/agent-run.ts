/**
 * One run of the real compiled agent as a child process, as the campaign sees it: its log lines
 * (JSON, debug level), the 'buffer commit' lines that say what was accepted, how it ended (killed
 * by us, stopped by us, or on its own = an unexpected crash), and its RSS / open descriptors.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLI } from '../../agent/test-support.js';

const CLOCK_SHIFT = fileURLToPath(new URL('./clock-shift.mjs', import.meta.url));

export interface RunEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** We sent SIGKILL or SIGTERM before it ended. */
  injected: boolean;
}

/** Every run not yet ended, so a failing campaign can still kill its children (see afterAll). */
export const liveRuns = new Set<AgentRun>();

export class AgentRun {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  stderr = '';
  committed = 0;
  readonly lastSeq = new Map<string, number>();
  readonly ready: Promise<boolean>;
  readonly ended: Promise<RunEnd>;
  private injected = false;
  private partial = '';

  constructor(config: string, clockFile: string) {
    this.child = spawn(process.execPath, ['--import', CLOCK_SHIFT, CLI, 'run', '--config', config], {
      env: { ...process.env, EV_EDGE_CAMPAIGN_CLOCK_FILE: clockFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let onReady: (ok: boolean) => void = () => undefined;
    this.ready = new Promise((resolve) => (onReady = resolve));
    this.child.stdout?.on('data', (chunk: Buffer) => {
      const parts = (this.partial + chunk.toString('utf8')).split('\n');
      this.partial = parts.pop() ?? '';
      for (const line of parts) this.line(line, onReady);
    });
    this.child.stderr?.on('data', (d: Buffer) => {
      if (this.stderr.length < 20_000) this.stderr += d.toString('utf8');
    });
    liveRuns.add(this);
    this.ended = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        liveRuns.delete(this);
        onReady(false);
        resolve({ code, signal, injected: this.injected });
      });
    });
  }

  private line(line: string, onReady: (ok: boolean) => void): void {
    if (line.includes('"agent ready"')) onReady(true);
    if (line.includes('"buffer commit"')) {
      // Logged after the commit returned: these records are accepted and must never be lost.
      const { count, lastSeq } = JSON.parse(line) as { count: number; lastSeq: Record<string, number> };
      this.committed += count;
      for (const [d, s] of Object.entries(lastSeq)) this.lastSeq.set(d, Math.max(this.lastSeq.get(d) ?? 0, s));
      return; // too many to keep
    }
    if (this.lines.length < 5000) this.lines.push(line);
  }

  kill(signal: NodeJS.Signals): Promise<RunEnd> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.injected = true;
      this.child.kill(signal);
    }
    return this.ended;
  }

  /** RSS in kB and open descriptors, from /proc (undefined once the process is gone). */
  sample(): { rssKb: number; fds: number } | undefined {
    const pid = this.child.pid;
    if (pid === undefined) return undefined;
    try {
      const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      return { rssKb: Number(rss), fds: readdirSync(`/proc/${pid}/fd`).length };
    } catch {
      return undefined;
    }
  }

  /** Log lines at level >= 50 (error, fatal), for the report. */
  errors(): string[] {
    return this.lines.filter((l) => /"level":(50|60)/.test(l));
  }
}

/** Seeded PRNG (mulberry32): the whole fault schedule follows from CAMPAIGN_SEED. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
