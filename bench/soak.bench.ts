/**
 * agent.rss_growth_mb_per_h (issue 15): a soak of the compiled agent, run as shipped
 * (agent-process.ts), at high acceleration with all three sinks, looking for a slow leak.
 *
 * BENCH_SOAK_DEVICES (10) simulated devices (4 in 5 batteries of 16 cells, the rest chargers)
 * each emit every BENCH_SOAK_INTERVAL_MS (20 ms, i.e. 50 times the 1 Hz of a real poll) with the
 * simulator accelerated by the same factor, so an hour of soak carries the records, ageing and
 * charging sessions of 50 hours at 1 Hz. Scoring on, buffer synchronous=full, and every record
 * drained to a local Mosquitto (QoS 1), librdkafka's mock Kafka cluster (kcat) and embedded
 * PostgreSQL. Housekeeping is accelerated too: compaction and retention every minute, retention
 * of delivered records after 6 minutes, so the buffer's size stays level and its cleanup runs.
 *
 * The agent's RSS (with any process it starts) is sampled every 10 s; the figure is the
 * least-squares slope after BENCH_SOAK_WARMUP_S (300) until BENCH_SOAK_SECONDS (3600) have
 * passed. `BENCH_SOAK_SECONDS=300 BENCH_SOAK_WARMUP_S=60 npm run bench -- soak` is the short form.
 * BENCH_SOAK_SAMPLES=FILE writes every sample as it is taken, for a plot or a post-mortem: seconds,
 * RSS MB, CPU s, then (soak-probe.ts) V8 heap used and committed, external memory, the agent's own
 * process_resident_memory_bytes, and /proc/PID/smaps_rollup's Anonymous and Pss_File, all MB, so
 * a growth can be told apart as JS heap, external (Buffers) or native (anonymous minus the two).
 * BENCH_SOAK_SNAPSHOTS=480,2100 sends the agent SIGUSR2 at those seconds; with
 * BENCH_NODE_EXTRA_FLAGS='--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=/tmp/DIR' each writes a
 * V8 heap snapshot there (the agent pauses for a few seconds and its RSS jumps while it writes).
 * The detail also gives `slopeStdErrMbPerH` (the slope's standard error: compare it with the goal
 * before calling a figure a miss), `memorySlopesMbPerH` (the same slope of each part, soak-probe.ts) and
 * `floorSlopeMbPerH`, the slope of the lowest sample of each 5-minute window: RSS jumps by tens
 * of MB for a few seconds at a time (a drain batch, a retention slice, a GC cycle), which makes
 * the plain slope noisy by a few MB/h over an hour; the floor is not moved by them.
 * The soak fails (no figure) when a sink fell behind: every sink must have sent at least 95 % of
 * what was committed, so a figure always comes from a run where all three sinks drained.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockKafka } from '../sync/kafka/mock-cluster.js';
import { startMosquitto } from '../sync/mqtt/mosquitto.js';
import { startPgServer } from '../sync/timescale/embedded-pg.js';
import { shippedNodeFlags, startAgent, stopAgent, treeCpuSeconds, treeRssMb, waitReady } from './agent-process.js';
import { emit } from './emit.js';
import { formatMemorySample, MEMORY_SAMPLE_COLUMNS, memorySample, memorySlopes, type MemorySample } from './soak-probe.js';
import { leastSquaresSlope, slopeStandardError } from './slope.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const DEVICES = Number(process.env.BENCH_SOAK_DEVICES ?? 10);
const INTERVAL_MS = Number(process.env.BENCH_SOAK_INTERVAL_MS ?? 20);
const SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 3600);
const WARMUP_S = Number(process.env.BENCH_SOAK_WARMUP_S ?? 300);
const SAMPLE_MS = 10_000;
const PORT = Number(process.env.BENCH_PORT ?? 19_102);
const SAMPLES_FILE = process.env.BENCH_SOAK_SAMPLES;
const SNAPSHOT_AT_S = (process.env.BENCH_SOAK_SNAPSHOTS ?? '').split(',').filter((t) => t !== '').map(Number);
const ACCELERATION = 1000 / INTERVAL_MS;

/** Sum of a Prometheus counter over all its series, from the agent's /metrics. */
async function counterSum(name: string, label?: string): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${PORT}/metrics`)).text();
  const sums = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const key = label ? (new RegExp(`${label}="([^"]*)"`).exec(line)?.[1] ?? '') : '';
    sums.set(key, (sums.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return sums;
}

function configYaml(dir: string, sinks: { mqtt: string; kafka: string; pg: { port: number; user: string; password: string; database: string } }): string {
  const devices = Array.from({ length: DEVICES }, (_, i) => {
    const battery = i % 5 !== 4;
    const sim = battery
      ? `{ seed: ${i + 1}, acceleration: ${ACCELERATION}, cells_series: 16, capacity_ah: 100, profile: drive }`
      : `{ seed: ${i + 1}, acceleration: ${ACCELERATION}, sessions_per_day: 12 }`;
    return `  - { id: ${battery ? 'pack' : 'charger'}-${i}, kind: ${battery ? 'battery' : 'charger'}, driver: simulator, interval_ms: ${INTERVAL_MS}, simulator: ${sim} }`;
  });
  return [
    'gateway: { id: gw-soak }', `data_dir: ${join(dir, 'data')}`, `http: { listen: 127.0.0.1:${PORT} }`, 'log: { level: warn }',
    'buffer: { max_bytes: 256MB, retention_hours: 0.1, synchronous: full }',
    "housekeeping: { compaction_cron: '* * * * *', retention_cron: '30 * * * * *' }",
    'devices:', ...devices,
    'scoring: { enabled: true }',
    'sinks:',
    `  mqtt: { url: ${sinks.mqtt}, qos: 1 }`,
    `  kafka: { brokers: [${sinks.kafka}], topic: ev-soak }`,
    `  timescale: { host: 127.0.0.1, port: ${sinks.pg.port}, user: ${sinks.pg.user}, password: ${sinks.pg.password}, database: ${sinks.pg.database} }`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ev-edge-bench-soak-'));
  const broker = await startMosquitto();
  const kafka = await MockKafka.start('ev-soak', { readBack: false });
  const pg = await startPgServer();
  if (SAMPLES_FILE) writeFileSync(SAMPLES_FILE, `# seconds since start, agent RSS MB, agent CPU s, ${MEMORY_SAMPLE_COLUMNS}\n`);
  try {
    const config = join(dir, 'config.yaml');
    writeFileSync(config, configYaml(dir, { mqtt: broker.url, kafka: kafka.broker, pg }));
    const agent = startAgent(['run', '--config', config], {});
    try {
      const started = performance.now();
      await waitReady(PORT, performance.now() + 60_000);
      const samples: Array<[number, number]> = [];
      const memory: Array<[number, MemorySample]> = [];
      let cpuAtWarmup: number | undefined;
      let buffered0 = 0;
      while (performance.now() - started < SECONDS * 1000) {
        await new Promise((r) => setTimeout(r, SAMPLE_MS));
        if (agent.exitCode !== null || agent.signalCode !== null) throw new Error(`the agent exited (${agent.exitCode ?? agent.signalCode})`);
        const s = (performance.now() - started) / 1000;
        const rss = treeRssMb(agent.pid!);
        const cpu = treeCpuSeconds(agent.pid!);
        const parts = await memorySample(PORT, agent.pid!);
        if (SAMPLES_FILE) appendFileSync(SAMPLES_FILE, `${s.toFixed(0)} ${rss.toFixed(2)} ${cpu.toFixed(2)} ${formatMemorySample(parts)}\n`);
        while (SNAPSHOT_AT_S.length > 0 && s >= SNAPSHOT_AT_S[0]!) {
          SNAPSHOT_AT_S.shift();
          agent.kill('SIGUSR2');
        }
        if (s < WARMUP_S) continue;
        if (cpuAtWarmup === undefined) {
          cpuAtWarmup = cpu;
          buffered0 = (await counterSum('evedge_records_buffered_total')).get('') ?? 0;
        }
        samples.push([s / 3600, rss]);
        memory.push([s / 3600, parts]);
      }
      const seconds = (performance.now() - started) / 1000;
      const cpu = treeCpuSeconds(agent.pid!) - (cpuAtWarmup ?? 0);
      const buffered = (await counterSum('evedge_records_buffered_total')).get('') ?? 0;
      const sent = await counterSum('evedge_sink_records_sent_total', 'sink');
      for (const sink of ['mqtt', 'kafka', 'timescale']) {
        if ((sent.get(sink) ?? 0) < buffered * 0.95) throw new Error(`sink ${sink} sent ${sent.get(sink) ?? 0} of ${buffered} committed records: it fell behind`);
      }
      const measured = seconds - WARMUP_S;
      // Whole windows only: the last, cut short, has too few samples to have a floor.
      const floors = new Map<number, [number, number, number]>();
      for (const [h, mb] of samples) {
        const w = Math.floor((h * 3600 - WARMUP_S) / 300);
        const floor = floors.get(w) ?? [(WARMUP_S + (w + 0.5) * 300) / 3600, mb, 0];
        floors.set(w, [floor[0], Math.min(floor[1], mb), floor[2] + 1]);
      }
      const wholeWindows = [...floors.values()].filter(([, , n]) => n >= (300_000 / SAMPLE_MS) * 0.8).map(([h, mb]) => [h, mb] as const);
      emit('agent.rss_growth_mb_per_h', leastSquaresSlope(samples), 'MB/h', {
        devices: DEVICES, intervalMs: INTERVAL_MS, acceleration: ACCELERATION, seconds: Math.round(seconds), warmupS: WARMUP_S,
        samples: samples.length, rssFirstMb: samples[0]?.[1], rssLastMb: samples[samples.length - 1]?.[1],
        rssMaxMb: Math.max(...samples.map(([, y]) => y)), slopeStdErrMbPerH: slopeStandardError(samples),
        floorSlopeMbPerH: leastSquaresSlope(wholeWindows), floorSlopeStdErrMbPerH: slopeStandardError(wholeWindows),
        memorySlopesMbPerH: memorySlopes(memory, leastSquaresSlope),
        recordsPerS: (buffered - buffered0) / measured, cpuPct: (cpu / measured) * 100,
        sinks: Object.fromEntries(sent), committed: buffered, scoring: true, nodeFlags: shippedNodeFlags(),
      });
    } finally {
      await stopAgent(agent);
    }
  } finally {
    await pg.destroy();
    await kafka.stop();
    await broker.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
