/**
 * What reaches the disk, counted by the kernel: strace attached to this test process counts the
 * fsyncs SQLite really issues for appends and acknowledgements.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { batteryRecord, openTestBuffer, tempDir } from './test-support.js';

const haveStrace = spawnSync('strace', ['-V']).status === 0;
const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.();
});

/** fsync/fdatasync calls this process makes while `work` runs; null when strace may not attach here. */
async function fsyncsDuring(dir: string, work: () => void): Promise<number | null> {
  const out = join(dir, 'strace.txt');
  const strace = spawn('strace', ['-f', '-qq', '-e', 'trace=fsync,fdatasync', '-o', out, '-p', String(process.pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  strace.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // strace prints nothing with -qq once attached; give it time to attach to every thread.
  await new Promise((r) => setTimeout(r, 1500));
  if (strace.exitCode !== null) {
    // No ptrace here (a container without CAP_SYS_PTRACE, yama): nothing to count with.
    console.warn(`ack-sync test skipped: strace could not attach: ${stderr.trim()}`);
    return null;
  }
  work();
  await new Promise((r) => setTimeout(r, 200));
  strace.kill('SIGINT');
  await new Promise((r) => strace.once('exit', r));
  return readFileSync(out, 'utf8').split('\n').filter((l) => /\b(fsync|fdatasync)\(/.test(l)).length;
}

describe.skipIf(!haveStrace)('acknowledgement commits (strace counts the fsyncs)', () => {
  it('fsync every append but not the acknowledgements, and leave synchronous at FULL', async (ctx) => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const { buffer } = openTestBuffer(join(dir, 'b.sqlite'), { sinks: ['a', 'b'] });
    cleanups.push(() => buffer.close());
    const rounds = 20;
    const fsyncs = await fsyncsDuring(dir, () => {
      for (let i = 0; i < rounds; i++) {
        buffer.append([batteryRecord('p1', 1000 + i, i)]);
        const pending = buffer.pending('a', 10).map((r) => r.id);
        buffer.ack('a', pending);
        buffer.ack('b', pending);
      }
    });
    if (fsyncs === null) return ctx.skip();
    // One per append, each after acknowledgements: synchronous is FULL again after every ack.
    // (Each acknowledgement used to add one more: 60 here.)
    expect(fsyncs).toBeGreaterThanOrEqual(rounds);
    expect(fsyncs).toBeLessThan(rounds + 5);
    expect(buffer.pendingCount('a')).toBe(0);
    expect(buffer.pendingCount('b')).toBe(0);
  });
});
