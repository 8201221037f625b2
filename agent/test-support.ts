/** Helpers shared by the agent's tests and benchmarks: temp configs and the compiled CLI. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(REPO_ROOT, 'dist', 'agent', 'cli.js');

export function cliBuilt(): boolean {
  return existsSync(CLI);
}

/** A temp folder holding `config.yaml` (with data_dir inside it) and the data. */
export function tempAgentDir(configYaml: (dataDir: string) => string): { dir: string; config: string; dataDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ev-edge-agent-'));
  const dataDir = join(dir, 'data');
  const config = join(dir, 'config.yaml');
  writeFileSync(config, configYaml(dataDir));
  return { dir, config, dataDir };
}

/** Start the compiled agent; resolves once `/readyz` would say ready (the 'agent ready' log line). */
export function spawnAgent(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; lines: string[]; ready: Promise<void> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  const ready = new Promise<void>((resolveReady, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (line.includes('"agent ready"')) resolveReady();
      }
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('exit', (code, signal) => reject(new Error(`agent exited (${code ?? signal}) before ready: ${stderr}`)));
  });
  ready.catch(() => undefined);
  return { child, lines, ready };
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolveExit) => child.once('exit', (code) => resolveExit(code)));
}
