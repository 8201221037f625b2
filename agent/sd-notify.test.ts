/** The notify protocol against a real AF_UNIX datagram socket (Python's socket module listens). */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SdNotify } from './sd-notify.js';

const LISTENER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("listening", flush=True)
while True:
    data = s.recv(4096)
    print(data.decode().replace("\\n", "|"), flush=True)
`;

describe('sd_notify', () => {
  it('is a no-op outside systemd', () => {
    const notify = new SdNotify(pino({ level: 'silent' }), {});
    expect(notify.enabled).toBe(false);
    expect(notify.watchdogIntervalMs).toBeUndefined();
    notify.ready();
    notify.stopping();
  });

  it('sends READY, WATCHDOG pings at half WatchdogSec, and STOPPING to $NOTIFY_SOCKET', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ev-edge-notify-')), 'notify.sock');
    const listener = spawn('python3', ['-c', LISTENER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    listener.stdout.on('data', (d: Buffer) => lines.push(...d.toString().trim().split('\n')));
    try {
      await waitFor(() => lines.includes('listening'));
      const notify = new SdNotify(pino({ level: 'silent' }), { NOTIFY_SOCKET: path, WATCHDOG_USEC: '1000000' });
      expect(notify.watchdogIntervalMs).toBe(500);
      notify.ready('2 devices');
      let healthy = true;
      notify.startWatchdog(() => healthy);
      await waitFor(() => lines.filter((l) => l === 'WATCHDOG=1').length >= 2);
      healthy = false;
      const pings = lines.filter((l) => l === 'WATCHDOG=1').length;
      await new Promise((r) => setTimeout(r, 1200));
      // A stuck agent stops pinging, so systemd's watchdog fires.
      expect(lines.filter((l) => l === 'WATCHDOG=1').length).toBe(pings);
      notify.stopping();
      await waitFor(() => lines.includes('STOPPING=1'));
      notify.close();
      expect(lines).toContain(`READY=1|STATUS=2 devices|MAINPID=${process.pid}`);
    } finally {
      listener.kill();
    }
  });
});

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
