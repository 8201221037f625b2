/**
 * Serial BMS benchmarks (JSON lines, bench/emit.ts format). Run after `npm run build`:
 *   npm run bench -- serial
 * - parse_mb_s: streaming parser + checksum throughput per protocol, on a stream of valid frames
 *   with 10 % garbage in between, fed in 64-byte chunks (a USB-serial adapter delivers ~32-64).
 * - cycle_decode_us: decoding one full poll cycle into a canonical reading (no I/O).
 * - pty_cycle_ms: wall time of a complete poll cycle through the real driver, serialport and a
 *   socat pty pair with the emulator (software latency only: a pty has no baud-rate timing; at 9600
 *   baud the wire adds ~1 ms per byte on top, e.g. ~60 ms for a JBD cycle).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emit, percentile } from './emit.js';
import { serialConfigSchema } from '../drivers/serial/config.js';
import { dalyFrameSpec, dalyProtocol } from '../drivers/serial/daly.js';
import { SerialBmsDriver } from '../drivers/serial/driver.js';
import { FrameParser, type FrameSpec } from '../drivers/serial/frame-parser.js';
import { jbdFrameSpec, jbdProtocol } from '../drivers/serial/jbd.js';
import { jkFrameSpec, jkProtocol } from '../drivers/serial/jk.js';
import type { BmsProtocol } from '../drivers/serial/protocol.js';
import { RecordingContext } from '../drivers/test-context.js';
import { BmsEmulator } from '../drivers/serial/testdata/emulator.js';
import { JK_SAMPLE, dalyAnswer, jbdAnswer, jkReadAllAnswer } from '../drivers/serial/testdata/encoders.js';
import { serialDataAvailable } from '../drivers/serial/testdata/shared-data.js';
import { PtyPair, socatAvailable, waitFor } from '../drivers/serial/testdata/socat.js';

const basic = Array.from({ length: 29 }, (_, i) => (i * 37) & 0xff);
basic[22] = 3;
const samples: Record<string, { spec: FrameSpec; protocol: BmsProtocol; cycle: Buffer[][] }> = {
  jbd: { spec: jbdFrameSpec, protocol: jbdProtocol, cycle: [[jbdAnswer(3, basic)], [jbdAnswer(4, Array<number>(32).fill(0x0d))]] },
  daly: {
    spec: dalyFrameSpec,
    protocol: dalyProtocol,
    cycle: [0x90, 0x91, 0x92, 0x93].map((id) => [dalyAnswer(id, [2, 20, 0, 0, 0x75, 0x45, 3, 0x78])])
      .concat([[dalyAnswer(0x94, [16, 1, 0, 0, 0, 0, 3, 0])]])
      .concat([[1, 2, 3, 4, 5, 6].map((n) => dalyAnswer(0x95, [n, 13, 0, 13, 1, 13, 2, 0]))])
      .concat([[dalyAnswer(0x98, [0, 0, 0, 0, 0, 0, 0, 0])]]),
  },
  jk: { spec: jkFrameSpec, protocol: jkProtocol, cycle: [[jkReadAllAnswer({ ...JK_SAMPLE, cellsMv: Array<number>(16).fill(3300) })]] },
};

function benchParse(name: string, spec: FrameSpec, frames: Buffer[]): void {
  const parts: Buffer[] = [];
  const noise = Buffer.from([0x00, 0x13, 0xff, 0x42, 0x11]);
  for (let i = 0, total = 0; total < 4 * 1024 * 1024; i++) {
    const frame = frames[i % frames.length] as Buffer;
    parts.push(frame);
    total += frame.length;
    if (i % 3 === 0) {
      parts.push(noise);
      total += noise.length;
    }
  }
  const stream = Buffer.concat(parts);
  const parser = new FrameParser(spec);
  let count = 0;
  const t0 = performance.now();
  for (let off = 0; off < stream.length; off += 64) count += parser.push(stream.subarray(off, off + 64)).frames.length;
  const seconds = (performance.now() - t0) / 1000;
  emit(`serial.${name}.parse_mb_s`, stream.length / 1e6 / seconds, 'MB/s', { bytes: stream.length, frames: count, chunk: 64 });
}

function benchDecode(name: string, protocol: BmsProtocol, answers: Buffer[][]): void {
  const rounds = 20_000;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    const cycle = protocol.newCycle({ address: 0x40, invertCurrent: false });
    for (let i = 0; cycle.next(); i++) for (const f of answers[i] ?? []) cycle.accept(f);
    if (!cycle.result()) throw new Error('cycle produced no reading');
  }
  emit(`serial.${name}.cycle_decode_us`, ((performance.now() - t0) * 1000) / rounds, 'us', { rounds });
}

async function benchPty(name: 'jbd' | 'daly' | 'jk', cycles: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ev-edge-serial-bench-'));
  const pair = new PtyPair(dir);
  await pair.start();
  const emulator = new BmsEmulator(name, pair.devicePath);
  await emulator.open();
  const ctx = new RecordingContext();
  // A 10 ms interval keeps cycles nearly back to back; each reading's ts is its cycle's start.
  const driver = new SerialBmsDriver(serialConfigSchema.parse({ protocol: name, path: pair.hostPath }), 10);
  const latencies: number[] = [];
  const record = ctx.emit.bind(ctx);
  ctx.emit = (reading) => {
    latencies.push(Date.now() - (reading.ts as number));
    record(reading);
  };
  try {
    await driver.start(ctx);
    await waitFor('bench readings', () => ctx.readings.length >= cycles, 120_000);
  } finally {
    await driver.stop();
    await emulator.close();
    await pair.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  const detail = { cycles: latencies.length, errors: ctx.errors.length, resolution_ms: 1 };
  emit(`serial.${name}.pty_cycle_ms_p50`, percentile(latencies, 50), 'ms', detail);
  emit(`serial.${name}.pty_cycle_ms_p99`, percentile(latencies, 99), 'ms', detail);
}

for (const [name, s] of Object.entries(samples)) benchParse(name, s.spec, s.cycle.flat());
for (const [name, s] of Object.entries(samples)) benchDecode(name, s.protocol, s.cycle);
if (socatAvailable && serialDataAvailable) {
  for (const name of ['jbd', 'daly', 'jk'] as const) await benchPty(name, 200);
} else {
  process.stderr.write('serial bench: pty benchmarks skipped (needs socat and shared/data/serial)\n');
}
