/**
 * modbus.poll_latency_ms_p99: one full driver poll (plan, read, decode, build the record) of a
 * 100-register map over Modbus TCP against an independent local server (pymodbus, a separate
 * process, as a real device would be). Skipped with a note when python3-pymodbus is missing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modbusConfigSchema } from '../drivers/modbus/config.js';
import { ModbusDriver } from '../drivers/modbus/driver.js';
import { havePymodbus, RecordingContext, startServer, waitFor } from '../drivers/modbus/testdata/harness.js';
import { emit, percentile } from './emit.js';

const REGISTERS = 100;
const WARMUP = 20;
const POLLS = 300;

async function main(): Promise<void> {
  if (!havePymodbus) {
    process.stderr.write('modbus bench skipped: /usr/bin/python3 with python3-pymodbus is needed for the server\n');
    return;
  }
  // 100 registers as a device would expose them: 16- and 32-bit values, some mapped to fields.
  const lines = ['name: bench', 'kind: battery', 'points:'];
  const fields = ['packVoltageV', 'packCurrentA', 'socPct', 'sohPct', 'tempMinC', 'tempMaxC'];
  for (let address = 0; address < REGISTERS; ) {
    const wide = address % 10 === 8;
    const field = fields[address / 10] ?? undefined;
    lines.push(`  - { name: r${address}, address: ${address}, type: ${wide ? 'uint32' : 'int16'}, scale: 0.1${field && !wide ? `, field: ${field}` : ''} }`);
    address += wide ? 2 : 1;
  }
  const dir = mkdtempSync(join(tmpdir(), 'ev-edge-modbus-bench-'));
  const mapFile = join(dir, 'bench.yaml');
  writeFileSync(mapFile, `${lines.join('\n')}\n`);
  const server = await startServer({
    transport: 'tcp',
    port: 0,
    units: { 1: { holding: { 0: Array.from({ length: REGISTERS }, (_, i) => (i * 37) % 1000) } } },
  });
  const config = modbusConfigSchema.parse({ transport: 'tcp', host: '127.0.0.1', port: server.port, map: mapFile, timeout_ms: 1000 });
  // A long interval: the driver's own timer polls once; the bench drives poll() itself.
  const driver = new ModbusDriver(config, { intervalMs: 3_600_000 });
  const ctx = new RecordingContext('bench', 'battery');
  try {
    await driver.start(ctx);
    await waitFor(() => ctx.readings.length === 1, 10_000, 'first poll');
    const samples: number[] = [];
    for (let i = 0; i < WARMUP + POLLS; i++) {
      const t0 = performance.now();
      const result = await driver.poll();
      const dt = performance.now() - t0;
      if (!result.body || result.ioErrors.length > 0) throw new Error(`poll ${i} failed: ${result.ioErrors.map((e) => e.message).join('; ')}`);
      if (i >= WARMUP) samples.push(dt);
    }
    const detail = { registers: REGISTERS, requests: driver.requests.length, points: driver.map.points.length, polls: POLLS, server: 'pymodbus 3.0 (separate process)' };
    emit('modbus.poll_latency_ms_p99', percentile(samples, 99), 'ms', detail);
    emit('modbus.poll_latency_ms_p50', percentile(samples, 50), 'ms', detail);
  } finally {
    await driver.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
