/**
 * A real Mosquitto broker for tests and benchmarks, on 127.0.0.1 and a free port. Persistence is
 * on (saved at shutdown) so a persistent subscriber session survives `stop()` / `start()` and the
 * read-back client misses nothing published while it was reconnecting.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../free-port.js';

export interface MosquittoServer {
  port: number;
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

export interface MosquittoOptions {
  /** Lines added after the listener line (TLS files, password_file ...). */
  extra?: string[];
  /** false: clients must authenticate (use with password_file or require_certificate). */
  anonymous?: boolean;
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'evedge-mosquitto-'));
  // Started as root, mosquitto drops to its own user, which must be able to save the database here.
  chmodSync(dir, 0o777);
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`, ...(options.extra ?? []), `allow_anonymous ${options.anonymous ?? true}`, 'persistence true', `persistence_location ${dir}/`,
    'max_queued_messages 0', 'max_inflight_messages 0', 'log_dest none', '',
  ].join('\n'));
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    if (child) return;
    const proc = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let spawnError: NodeJS.ErrnoException | undefined;
    proc.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    proc.once('error', (err) => { spawnError = err; });
    child = proc;
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      if (spawnError) {
        child = undefined;
        const hint = spawnError.code === 'ENOENT' ? ' (not installed: apt-get install mosquitto, or run `npm test`, which sets up the test tools)' : '';
        throw new Error(`mosquitto did not start: ${spawnError.message}${hint}`);
      }
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`mosquitto did not start: ${stderr || `exit code ${proc.exitCode ?? 'none'} within 10 s`}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  };
  await start();
  return {
    port, url: `${options.extra?.some((l) => l.startsWith('certfile')) ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`, start, stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
