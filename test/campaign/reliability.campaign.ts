/**
 * The reliability campaign: the REAL compiled agent, restarted over and over against real local
 * upstreams while a seeded schedule injects faults (see faults.ts), then a clean drain and the
 * accounting. Prints one JSON report (also written to CAMPAIGN_REPORT when set).
 *
 *   CAMPAIGN_SECONDS=600 CAMPAIGN_SEED=1 npx vitest run --config test/campaign/vitest.campaign.config.ts
 *
 * Needs `npm run build` (dist/agent/cli.js), mosquitto, kcat and root for the tmpfs.
 */
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliBuilt } from '../../agent/test-support.js';
import { SystemClock } from '../../core/clock.js';
import { RecordBuffer } from '../../sync/buffer/index.js';
import { AgentRun, liveRuns, prng, sleep, type RunEnd } from './agent-run.js';
import { applySinks, drawPlan, fillDisk, freeDisk, setClock, type Plan } from './faults.js';
import { BREAKAGES, agentConfig, startWorld, type World } from './setup.js';

const SECONDS = Number(process.env['CAMPAIGN_SECONDS'] ?? 600);
const SEED = Number(process.env['CAMPAIGN_SEED'] ?? 1);
const SINKS = ['timescale', 'mqtt', 'kafka'] as const;

let world: World | undefined;
afterAll(async () => {
  for (const run of liveRuns) await run.kill('SIGKILL');
  await world?.stop();
});

interface Tally {
  runs: number;
  sigkills: number;
  sigterms: number;
  uncleanStops: string[];
  unexpectedCrashes: string[];
  notReady: string[];
  brokenConfigs: { name: string; code: number | null; clear: boolean; knownBug?: string }[];
  diskFulls: number;
  clockJumps: number;
  committedLogged: number;
  lastSeqLogged: Map<string, number>;
  faults: Record<string, number>;
  errorLines: Map<string, number>;
}

/** Message text of an error log line, to count distinct errors. */
const errorKey = (line: string) => {
  try {
    const j = JSON.parse(line) as { msg?: string; sink?: string; err?: string | { message?: string } };
    const err = typeof j.err === 'string' ? j.err : j.err?.message;
    return `${j.sink ? `${j.sink}: ` : ''}${j.msg ?? ''}${err ? `: ${err.slice(0, 160)}` : ''}`;
  } catch {
    return line.slice(0, 160);
  }
};

async function oneRun(w: World, t: Tally, plan: Plan, random: () => number, config: string): Promise<{ rss?: { rssKb: number; fds: number } }> {
  if (plan.clockOffsetMs !== undefined) {
    setClock(w, plan.clockOffsetMs);
    t.clockJumps++;
  }
  const stopFlapping = applySinks(w, plan, random);
  if (plan.diskFull) {
    fillDisk(w);
    t.diskFulls++;
  }
  const run = new AgentRun(config, w.clockFile);
  t.runs++;
  const ready = await Promise.race([run.ready, sleep(30_000).then(() => false)]);
  let sample: { rssKb: number; fds: number } | undefined;
  if (ready) {
    // A jump in the middle of the run too, sometimes (the child re-reads the offset every 200 ms).
    const half = plan.runMs / 2;
    await sleep(half);
    if (random() < 0.1) {
      setClock(w, Math.round((random() * 2 - 1) * 3_600_000));
      t.clockJumps++;
    }
    await sleep(plan.runMs - half);
    sample = run.sample();
  }
  const end: RunEnd = run.child.exitCode !== null || run.child.signalCode !== null ? await run.ended : await run.kill(ready ? plan.end : 'SIGKILL');
  stopFlapping();
  if (plan.diskFull) freeDisk(w);
  if (!ready) t.notReady.push(`run ${t.runs}: ${end.code ?? end.signal} ${run.stderr.slice(0, 300)} ${run.errors().slice(-2).join(' | ').slice(0, 600)}`);
  if (!end.injected) t.unexpectedCrashes.push(`run ${t.runs}: exit ${end.code ?? end.signal}: ${run.stderr.slice(0, 500)} ${run.errors().slice(-3).join(' | ').slice(0, 800)}`);
  else if (plan.end === 'SIGKILL' || !ready) t.sigkills++;
  else {
    t.sigterms++;
    if (end.code !== 0) t.uncleanStops.push(`run ${t.runs}: SIGTERM -> ${end.code ?? end.signal}: ${run.stderr.slice(0, 300)}`);
  }
  t.committedLogged += run.committed;
  for (const [d, s] of run.lastSeq) t.lastSeqLogged.set(d, Math.max(t.lastSeqLogged.get(d) ?? 0, s));
  for (const l of run.errors()) t.errorLines.set(errorKey(l), (t.errorLines.get(errorKey(l)) ?? 0) + 1);
  return sample ? { rss: sample } : {};
}

/** A run with a broken config: must exit non-zero by itself, quickly, saying what is wrong. */
async function brokenRun(w: World, t: Tally, good: string, random: () => number): Promise<void> {
  const b = BREAKAGES[Math.floor(random() * BREAKAGES.length)] as (typeof BREAKAGES)[number];
  const file = join(w.dir, 'broken.yaml');
  writeFileSync(file, b.apply(good));
  const run = new AgentRun(file, w.clockFile);
  const end = await Promise.race([run.ended, sleep(20_000).then(() => run.kill('SIGKILL'))]);
  const clear = /configuration error/.test(run.stderr) && !/\n\s+at /.test(run.stderr);
  t.brokenConfigs.push({ name: b.name, code: end.code, clear, ...(b.knownBug ? { knownBug: b.knownBug } : {}) });
}

function openBuffer(w: World): RecordBuffer {
  return RecordBuffer.open({
    path: join(w.dataDir, 'buffer.sqlite'), maxBytes: 1e12, synchronous: 'full', retentionMs: 1e15, sinks: [...SINKS], clock: new SystemClock(), readOnly: true,
  });
}

describe.skipIf(!cliBuilt())('reliability campaign (needs npm run build)', () => {
  it(`survives ${SECONDS} s of injected faults with nothing accepted lost`, async () => {
    const random = prng(SEED);
    const w = (world = await startWorld(random));
    const t: Tally = {
      runs: 0, sigkills: 0, sigterms: 0, uncleanStops: [], unexpectedCrashes: [], notReady: [], brokenConfigs: [], diskFulls: 0, clockJumps: 0,
      committedLogged: 0, lastSeqLogged: new Map(), faults: {}, errorLines: new Map(),
    };
    const configFile = join(w.dir, 'config.yaml');
    const started = Date.now();
    let firstSample: { rssKb: number; fds: number } | undefined;
    let lastSample: { rssKb: number; fds: number } | undefined;
    let plan: Plan | undefined;
    while (Date.now() - started < SECONDS * 1000) {
      plan = drawPlan(random, plan, t.faults);
      const good = agentConfig(w, { devices: true, kafkaBlackhole: plan.kafka === 'blackhole' });
      writeFileSync(configFile, good);
      if (plan.brokenConfig) await brokenRun(w, t, good, random);
      const { rss } = await oneRun(w, t, plan, random, configFile);
      firstSample ??= rss;
      if (rss) lastSample = rss;
    }

    // Final: everything up, clock back, no devices; drain until every buffered record is delivered.
    setClock(w, 0);
    freeDisk(w);
    w.pgProxy.set('up');
    w.mqttProxy.set('up');
    w.kafka.resume();
    w.modbusProxy?.set('up');
    writeFileSync(configFile, agentConfig(w, { devices: false, kafkaBlackhole: false }));
    const drain = new AgentRun(configFile, w.clockFile);
    expect(await drain.ready).toBe(true);
    let buffer = openBuffer(w);
    const keys = new Map<string, string[]>();
    const seqs = new Map<string, number[]>();
    for (const d of w.devices) {
      const recs = buffer.recent(d, 10_000_000);
      keys.set(d, recs.map((r) => r.key));
      seqs.set(d, recs.map((r) => r.seq).sort((a, b) => a - b));
    }
    const stats = buffer.stats();
    buffer.close();
    const allKeys = [...keys.values()].flat();
    const pgCounts = async () => {
      // Before the sink's first connection the tables do not exist yet: nothing delivered.
      const rows = await w.pg
        .query<{ key: string }>(`SELECT key FROM ev_edge.telemetry UNION ALL SELECT key FROM ev_edge.predictions UNION ALL SELECT key FROM ev_edge.alarms`)
        .catch(() => [] as { key: string }[]);
      const m = new Map<string, number>();
      for (const r of rows) m.set(r.key, (m.get(r.key) ?? 0) + 1);
      return m;
    };
    const delivered = async () => ({ timescale: await pgCounts(), mqtt: w.collector.counts, kafka: w.kafka.counts });
    // Wait for every sink to have every buffered key; give up after 45 s without progress.
    const size = (g: Awaited<ReturnType<typeof delivered>>) => SINKS.reduce((a, s) => a + g[s].size, 0);
    let got = await delivered();
    let progressAt = Date.now();
    let lastSize = size(got);
    while (Date.now() - progressAt < 45_000 && SINKS.some((s) => allKeys.some((k) => !got[s].has(k)))) {
      await sleep(1000);
      got = await delivered();
      if (size(got) !== lastSize) [lastSize, progressAt] = [size(got), Date.now()];
    }
    lastSample = drain.sample() ?? lastSample;
    buffer = openBuffer(w);
    const sinkStates = buffer.stats().sinks;
    buffer.close();
    const drainEnd = await drain.kill('SIGTERM');
    // The mock cluster lives in kcat: if it died, its stored messages died with it (see below).
    const kafkaDeath = w.kafka.exitInfo();
    const kafkaAlive = kafkaDeath === null;
    const drainWarnings = drain.lines.filter((l) => /"level":(40|50|60)/.test(l)).map(errorKey);

    // Accounting.
    const perSink = Object.fromEntries(SINKS.map((s) => {
      const counts = got[s];
      const missing = allKeys.filter((k) => !counts.has(k)).length;
      let copies = 0;
      let dups = 0;
      for (const n of counts.values()) {
        copies += n;
        dups += n - 1;
      }
      return [s, { delivered_distinct: counts.size, delivered_copies: copies, duplicates: dups, missing_of_buffered: missing }];
    }));
    const dropped = stats.dropped;
    const droppedTotal = Object.values(dropped).reduce((a, b) => a + b, 0);
    const seqGaps = [...seqs.values()].reduce((acc, s) => acc + ((s[s.length - 1] ?? 0) - s.length), 0);
    const produced = [...seqs.values()].reduce((acc, s) => acc + (s[s.length - 1] ?? 0), 0);
    const lostAccepted = [...t.lastSeqLogged].filter(([d, s]) => (seqs.get(d)?.[seqs.get(d)!.length - 1] ?? 0) < s);
    const dupSeqs = [...seqs.values()].reduce((acc, s) => acc + s.filter((v, i) => i > 0 && v === s[i - 1]).length, 0);

    // Last: a truncated buffer file on restart is moved aside, the agent goes on.
    const sqlite = join(w.dataDir, 'buffer.sqlite');
    truncateSync(sqlite, 4096 + 1000);
    writeFileSync(configFile, agentConfig(w, { devices: true, kafkaBlackhole: false }));
    const after = new AgentRun(configFile, w.clockFile);
    const afterReady = await Promise.race([after.ready, sleep(30_000).then(() => false)]);
    await sleep(2000);
    const afterEnd = await after.kill('SIGTERM');
    const movedAside = after.lines.some((l) => l.includes('moved aside'));
    buffer = openBuffer(w);
    const afterRows = buffer.stats().rows;
    buffer.close();

    const report = {
      command: `CAMPAIGN_SECONDS=${SECONDS} CAMPAIGN_SEED=${SEED} npm run campaign`,
      seconds: Math.round((Date.now() - started) / 1000),
      seed: SEED,
      runs: t.runs,
      injected: { sigkill: t.sigkills, sigterm: t.sigterms, disk_full: t.diskFulls, clock_jumps: t.clockJumps, broken_configs: t.brokenConfigs.length, upstream_states: t.faults, tmpfs: w.tmpfs, corrupt_can_log: w.canLog !== undefined, modbus_devices: w.modbus !== undefined },
      records: { per_device_last_seq: Object.fromEntries([...seqs].map(([d, v]) => [d, v[v.length - 1] ?? 0])), produced_seqs: produced, accepted_logged: t.committedLogged, in_buffer: stats.rows, dropped, dropped_total: droppedTotal, seq_gaps: seqGaps, duplicate_seqs: dupSeqs, accepted_then_lost: lostAccepted },
      sinks: perSink,
      postgres_rows_minus_distinct: perSink['timescale']?.duplicates,
      rss_kb: { start: firstSample?.rssKb, end: lastSample?.rssKb },
      open_fds: { start: firstSample?.fds, end: lastSample?.fds },
      crashes_not_injected: t.unexpectedCrashes.length,
      crash_details: t.unexpectedCrashes.slice(0, 10),
      not_ready: t.notReady.slice(0, 10),
      unclean_sigterm: t.uncleanStops.slice(0, 10),
      final_drain_exit: drainEnd.code,
      final_drain_sinks: sinkStates,
      kafka_mock_alive: kafkaAlive,
      ...(kafkaDeath ? { kafka_mock_death: kafkaDeath } : {}),
      final_drain_warnings: [...new Set(drainWarnings)].slice(0, 10),
      broken_config_runs: t.brokenConfigs,
      corrupt_sqlite_restart: { ready: afterReady, moved_aside: movedAside, exit: afterEnd.code, rows_after: afterRows },
      error_log_lines: Object.fromEntries([...t.errorLines].sort((a, b) => b[1] - a[1]).slice(0, 25)),
    };
    const json = JSON.stringify(report, null, 2);
    console.log(json);
    if (process.env['CAMPAIGN_REPORT']) writeFileSync(process.env['CAMPAIGN_REPORT'], json);

    expect(t.unexpectedCrashes).toEqual([]);
    expect(lostAccepted).toEqual([]);
    expect(dupSeqs).toBe(0);
    expect(perSink['timescale']?.duplicates).toBe(0);
    for (const s of SINKS) {
      if (s === 'kafka' && !kafkaAlive) {
        // kcat's mock cluster died mid-campaign (the report has its exit and last log lines): a broker
        // gone for good. Delivery to it cannot be checked any more, but the agent must still hold
        // every record the broker does not have, pending for Kafka in the buffer, and nothing lost.
        console.warn(`campaign: kcat's mock Kafka cluster died (${JSON.stringify(kafkaDeath)}); Kafka delivery not verified, pending records checked instead`);
        const pending = sinkStates.find((x) => x.sink === 'kafka')?.pending;
        expect(perSink[s]?.missing_of_buffered, 'kafka: missing records are exactly those still pending').toBe(pending);
        continue;
      }
      expect(perSink[s]?.missing_of_buffered, s).toBe(0);
    }
    // Only the documented cap policy drops, and every seq gap is such a drop.
    expect(Object.keys(dropped).every((k) => k.startsWith('buffer_full:') && !/:(prediction|alarm)$/.test(k))).toBe(true);
    expect(seqGaps).toBe(droppedTotal);
    expect(t.brokenConfigs.filter((b) => !b.knownBug).every((b) => b.code !== 0 && b.code !== null && b.clear)).toBe(true);
    expect(afterReady && movedAside).toBe(true);
  });
});
