/**
 * Scenario 5: the release cross-built for arm64 (arm64.sh) runs the built-in default config under
 * qemu-user emulation (QEMU >= 8.1): it reaches /readyz, produces records from both simulated
 * devices, loads every ONNX model (on the built-in engine, as shipped) and stops cleanly on SIGTERM;
 * then the buffer and ONNX test files pass on the arm64 Node (arm64-tests.sh), among them the
 * parity of the built-in engine with onnxruntime's own arm64 binary (models/runtime).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../sync/free-port.js';
import type { ScenarioContext, ScenarioResult } from './main.js';
import { harnessDir, SkipError } from './prepare.js';
import { waitForHttp } from './witness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runArm64Scenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const prep = spawnSync('bash', [join(harnessDir, 'arm64.sh'), ctx.releaseFolder], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (prep.status === 77) throw new SkipError('arm64: needs g++-aarch64-linux-gnu and qemu-user >= 8.1 (run as root to install them)');
  if (prep.status !== 0) throw new Error(`arm64.sh failed (exit ${prep.status})`);
  const [release, nodedir] = prep.stdout.trim().split('\n').slice(-2) as [string, string];
  const emulate = (args: string[]) => ['qemu-aarch64', ['-L', '/usr/aarch64-linux-gnu', join(nodedir, 'bin', 'node'), ...args]] as const;
  const [qemu, archArgs] = emulate(['-p', 'process.arch + " " + process.version']);
  const arch = spawnSync(qemu, archArgs, { encoding: 'utf8' }).stdout.trim();

  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'ev-edge-arm64-'));
  const started = Date.now();
  const [cmd, args] = emulate([join(release, 'dist', 'agent', 'cli.js'), 'run']);
  const agent = spawn(cmd, args, {
    env: { ...process.env, EV_EDGE__DATA_DIR: dataDir, EV_EDGE__HTTP__LISTEN: `127.0.0.1:${port}`, EV_EDGE__LOG__LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  agent.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const exited = new Promise<number | null>((resolve) => agent.on('exit', (code) => resolve(code)));
  try {
    const ready = await waitForHttp(`http://127.0.0.1:${port}/readyz`, (ctx.short ? 5 : 10) * 60_000);
    const readySeconds = Math.round((Date.now() - started) / 1000);
    // Records for a while. (The default config's models have not produced a prediction within
    // 90 s on x64 either, so predictions are reported, not required; every model loading is
    // required, and parity with onnxruntime's arm64 binary is arm64-tests.sh's ONNX test files.)
    await sleep(ctx.short ? 20_000 : 60_000);
    const predictions = (await (await fetch(`http://127.0.0.1:${port}/api/devices/sim-pack-1/latest`)).json()) as { predictions: unknown[] };
    const devices = ready ? await (await fetch(`http://127.0.0.1:${port}/api/devices`)).json() as { devices: { id: string; telemetry: { seq: number; source: string } | null }[] } : { devices: [] };
    const readyz = ready ? await (await fetch(`http://127.0.0.1:${port}/readyz`)).json() as { models: { state?: string }[] } : { models: [] };
    agent.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), 120_000); })]);
    clearTimeout(timer);
    // The buffer (with its SIGKILL crash test) and ONNX test files on the arm64 Node.
    const tests = spawnSync('bash', [join(harnessDir, 'arm64-tests.sh'), release, nodedir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 40 * 60_000 });
    const summary = /(\d+) passed, (\d+) failed/.exec(tests.stdout ?? '');
    const testsPassed = Number(summary?.[1] ?? 0);
    const testsFailed = summary ? Number(summary[2]) : null;
    const recordsPerDevice = Object.fromEntries(devices.devices.map((d) => [d.id, d.telemetry?.seq ?? 0]));
    const ok = arch.startsWith('arm64') && ready && devices.devices.length > 0 && devices.devices.every((d) => (d.telemetry?.seq ?? 0) > 0)
      && readyz.models.length > 0 && readyz.models.every((m) => m.state === 'ready') && code === 0
      && tests.status === 0 && testsFailed === 0 && testsPassed > 0;
    return {
      ok, node: arch, qemu: spawnSync('qemu-aarch64', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0],
      seconds_to_ready: readySeconds, newest_seq: recordsPerDevice, predictions: predictions.predictions.length,
      models: readyz.models, exit_on_sigterm: code, arm64_tests: { passed: testsPassed, failed: testsFailed, exit: tests.status, signal: tests.signal, error: tests.error?.message, stderr: (tests.stderr ?? '').slice(-500), log: '$EV_EDGE_VM_CACHE/arm64-tests.log' }, ...(ok ? {} : { stderr: stderr.slice(-1500) }),
    };
  } finally {
    agent.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
