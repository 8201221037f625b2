/**
 * Test harness: an independent Modbus server (pymodbus, Debian's python3-pymodbus, through
 * server.py beside this file), a socat pseudo-terminal pair for RTU, and a recording
 * DriverContext. Servers listen on 127.0.0.1 only; every process started here is killed by stop().
 */
import { RecordingContext as SharedRecordingContext } from '../../test-context.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { ManualClock } from '../../../core/clock.js';
import type { DeviceKind } from '../../../core/record.js';
import type { DriverContext, DriverReading, DriverState } from '../../driver.js';
import type { Table } from '../map-schema.js';

/** The python3 on PATH may lack pymodbus; Debian's lives here. */
export const PYTHON = '/usr/bin/python3';
const here = dirname(fileURLToPath(import.meta.url));
/** Beside this file in the source tree; the compiled copy (dist/, used by the bench) looks back. */
const SERVER = [join(here, 'server.py'), resolve(here, '../../../../drivers/modbus/testdata/server.py')].find((f) => existsSync(f)) ?? join(here, 'server.py');

export const havePymodbus = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import pymodbus.server']).status === 0;
export const haveSocat = spawnSync('socat', ['-V']).status === 0;

/** unit id -> table -> start address -> register values (bits as 0/1). */
export type Units = Record<number, Partial<Record<Table, Record<number, number[]>>>>;

export interface ServerSpec {
  transport: 'tcp' | 'rtu';
  /** TCP: 0 = any free port. */
  port?: number;
  /** RTU: the server's end of the pty pair. */
  device?: string;
  baudrate?: number;
  units: Units;
}

export interface RunningServer {
  port: number;
  stop(): Promise<void>;
}

export async function startServer(spec: ServerSpec): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ev-edge-modbus-'));
  const specFile = join(dir, 'spec.json');
  writeFileSync(specFile, JSON.stringify(spec));
  const child = spawn(PYTHON, [SERVER, specFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pymodbus server did not start: ${stderr}`)), 20_000);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /READY ?(\d*)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1] || 0));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pymodbus server exited with ${code}: ${stderr}`));
    });
  });
  return {
    port,
    stop: async () => {
      await kill(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PtyPair {
  /** The driver's end. */
  a: string;
  /** The server's end. */
  b: string;
  stop(): Promise<void>;
}

/** `dir` reuses a folder, so a restarted pair has the same paths (a re-plugged USB adapter). */
export async function startPtyPair(dir = mkdtempSync(join(tmpdir(), 'ev-edge-pty-'))): Promise<PtyPair> {
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  await waitFor(() => existsSync(a) && existsSync(b), 10_000, 'socat pty pair');
  return {
    a,
    b,
    stop: async () => {
      await kill(child);
      rmSync(a, { force: true });
      rmSync(b, { force: true });
    },
  };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The shared recording context, on a ManualClock (the Modbus driver's timing is poll-driven). */
export class RecordingContext extends SharedRecordingContext {
  constructor(deviceId: string, deviceKind: DeviceKind) {
    super(deviceId, deviceKind, new ManualClock());
  }
}
