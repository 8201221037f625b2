/**
 * A real pseudo-terminal pair made by socat, for driving the serial driver end to end:
 * `socat pty,raw,echo=0,link=<dir>/bms pty,raw,echo=0,link=<dir>/host`. Killing socat closes both
 * ends, which is what unplugging a USB adapter looks like to the driver; starting a new pair on the
 * same link paths is the adapter coming back.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const socatAvailable = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;

export class PtyPair {
  /** The end the driver opens (the "host" side of the cable). */
  readonly hostPath: string;
  /** The end the device emulator opens. */
  readonly devicePath: string;
  private child: ChildProcess | undefined;

  constructor(dir: string) {
    this.hostPath = join(dir, 'host');
    this.devicePath = join(dir, 'bms');
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(timeoutMs = 5000): Promise<void> {
    if (this.running) throw new Error('socat is already running');
    const child = spawn(
      'socat',
      [`pty,raw,echo=0,link=${this.devicePath}`, `pty,raw,echo=0,link=${this.hostPath}`],
      { stdio: 'ignore' },
    );
    this.child = child;
    const deadline = Date.now() + timeoutMs;
    while (!(existsSync(this.hostPath) && existsSync(this.devicePath))) {
      if (child.exitCode !== null) throw new Error(`socat exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('socat did not create the pty links in time');
      await sleep(20);
    }
  }

  /** Kills socat (SIGTERM) by its own pid and waits until it has exited and removed its links. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true or the time is up (then throws with `what`). */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
