/**
 * The agent on the issue-15 job: BENCH_CPU_DEVICES (default 10) Modbus TCP batteries, each an
 * independent pymodbus server process, polled every second, scoring on, into a local Mosquitto at
 * QoS 1 (every record committed to the buffer with fsync before it is accepted). The agent runs
 * compiled, with the shipped node flags (agent-process.ts).
 *   agent.cpu_pct_10_devices   % of one core used by the agent between BENCH_CPU_WARMUP_S (60)
 *                              and BENCH_CPU_WARMUP_S + BENCH_CPU_SECONDS (240, i.e. 60 s - 5 min)
 *   agent.rss_slope_mb_per_h_60s_5min  least-squares slope of resident memory sampled every 10 s
 *                              over the same window: warm-up, not a leak figure (that is
 *                              agent.rss_growth_mb_per_h, bench/soak.bench.ts)
 * Skipped with a note when python3-pymodbus or mosquitto is missing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { havePymodbus, startServer, type RunningServer } from '../drivers/modbus/testdata/harness.js';
import { startMosquitto } from '../sync/mqtt/mosquitto.js';
import { MqttCollector } from '../sync/mqtt/test-support.js';
import { shippedNodeFlags, startAgent, stopAgent, treeCpuSeconds, treeRssMb, waitReady } from './agent-process.js';
import { emit } from './emit.js';
import { leastSquaresSlope } from './slope.js';

const DEVICES = Number(process.env.BENCH_CPU_DEVICES ?? 10);
const WARMUP_S = Number(process.env.BENCH_CPU_WARMUP_S ?? 60);
const SECONDS = Number(process.env.BENCH_CPU_SECONDS ?? 240);
const PORT = Number(process.env.BENCH_PORT ?? 19_101);
const REGISTERS = 20;


async function main(): Promise<void> {
  if (!havePymodbus) {
    process.stderr.write('footprint bench skipped: /usr/bin/python3 with python3-pymodbus is needed for the devices\n');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'ev-edge-bench-footprint-'));
  const servers: RunningServer[] = [];
  const broker = await startMosquitto();
  const collector = await MqttCollector.start(broker);
  try {
    const map = join(dir, 'battery.yaml');
    writeFileSync(map, ['name: bench-battery', 'kind: battery', 'points:',
      '  - { name: voltage, address: 0, type: uint16, scale: 0.01, field: packVoltageV }',
      '  - { name: current, address: 1, type: int16, scale: 0.1, field: packCurrentA }',
      '  - { name: soc, address: 2, type: uint16, scale: 0.1, field: socPct }',
      '  - { name: soh, address: 3, type: uint16, scale: 0.1, field: sohPct }',
      '  - { name: tmin, address: 4, type: int16, scale: 0.1, field: tempMinC }',
      '  - { name: tmax, address: 5, type: int16, scale: 0.1, field: tempMaxC }',
      '  - { name: cycles, address: 6, type: uint16, field: cycleCount }', ''].join('\n'));
    const devices: string[] = [];
    for (let i = 0; i < DEVICES; i++) {
      const server = await startServer({ transport: 'tcp', port: 0, units: { 1: { holding: { 0: [5200 + i, 65535 - 120, 805, 975, 241, 279, 412, ...Array(REGISTERS - 7).fill(0)] } } } });
      servers.push(server);
      devices.push(`  - { id: pack-${i}, kind: battery, driver: modbus, interval_ms: 1000, modbus: { transport: tcp, host: 127.0.0.1, port: ${server.port}, unit_id: 1, map: ${map} } }`);
    }
    const config = join(dir, 'config.yaml');
    writeFileSync(config, ['gateway: { id: gw-footprint }', `data_dir: ${join(dir, 'data')}`, `http: { listen: 127.0.0.1:${PORT} }`, 'log: { level: warn }',
      'devices:', ...devices, 'scoring: { enabled: true }', `sinks: { mqtt: { url: ${broker.url}, qos: 1 } }`, ''].join('\n'));
    const agent = startAgent(['run', '--config', config], {});
    try {
      await waitReady(PORT, performance.now() + 30_000);
      await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
      const cpu0 = treeCpuSeconds(agent.pid!);
      const t0 = performance.now();
      const messages0 = collector.messages;
      const rss: Array<[number, number]> = [];
      while (performance.now() - t0 < SECONDS * 1000) {
        rss.push([(performance.now() - t0) / 3_600_000, treeRssMb(agent.pid!)]);
        await new Promise((r) => setTimeout(r, Math.min(10_000, SECONDS * 1000 - (performance.now() - t0) + 1)));
      }
      const seconds = (performance.now() - t0) / 1000;
      const cpu = treeCpuSeconds(agent.pid!) - cpu0;
      const received = collector.messages - messages0;
      if (received < DEVICES * seconds * 0.8) throw new Error(`only ${received} MQTT messages in ${seconds.toFixed(0)} s from ${DEVICES} devices at 1 Hz`);
      const detail = { devices: DEVICES, from_s: WARMUP_S, to_s: WARMUP_S + Math.round(seconds), scoring: true, sink: 'mqtt qos 1', mqttMessages: received, nodeFlags: shippedNodeFlags() };
      emit(`agent.cpu_pct_${DEVICES}_devices`, (cpu / seconds) * 100, '% of one core', detail);
      emit('agent.rss_slope_mb_per_h_60s_5min', leastSquaresSlope(rss), 'MB/h', { ...detail, samples: rss.length, rssFirstMb: rss[0]?.[1], rssLastMb: rss[rss.length - 1]?.[1] });
    } finally {
      await stopAgent(agent);
    }
  } finally {
    await collector.stop();
    await broker.destroy();
    for (const s of servers) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
