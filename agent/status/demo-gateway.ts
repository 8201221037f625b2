/**
 * A reproducible gateway behind the status page, for its browser tests and `npm run screenshots`:
 * hours of simulated history (the real simulator, run offline with its own timestamps), scored by
 * the real scoring stage and shipped models (predictions, alarms), committed to a real buffer, and
 * served by the agent's real routes. Only the device runners and sink loops are stand-ins: they
 * report a fixed state, because nothing is polled or drained here. The clock is fixed at END, so
 * every run draws the same page. All data is SIMULATED and labelled so.
 *
 * Devices: pack-1 (96s NMC, drive profile, healthy), charger-1 (a busy public charger, 16 sessions a day), pack-2 (16s LFP, 35 degC
 * ambient, with a cooling failure and then an internal short on cell 5 in the last 3 h: the alarm
 * state). 26 h of history, a reading every 20 s: the shipped models score a device only after 24 h.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseConfig } from '../../config/load.js';
import type { AgentConfig } from '../../config/schema.js';
import { ManualClock } from '../../core/clock.js';
import type { EdgeRecord, PendingRecord } from '../../core/record.js';
import { simulateDevice, simulatorConfig } from '../../drivers/simulator/generate.js';
import { ScoringStage } from '../../models/scoring/stage.js';
import { RecordBuffer } from '../../sync/buffer/index.js';
import { HttpEndpoint } from '../http.js';
import { AgentMetrics } from '../metrics.js';
import { modelsDir } from '../paths.js';
import { registerRoutes } from '../routes.js';
import { LatestRecords } from './latest.js';

export const END = Date.parse('2026-06-01T12:00:00Z');
const GATEWAY = 'gw-demo';
const SAMPLE_S = 20;
/** The shipped models ask for 24 h of a device's history before they score it (warmup_hours in their cards). */
export const DEMO_HOURS = 26;
/** Readings per scoring call: the stage scores a device at most once per call, so a call spans its 60 s interval. */
const BATCH = 3;

const CONFIG = (dataDir: string) => `data_dir: ${dataDir}
gateway: { id: ${GATEWAY} }
scoring: { enabled: true, hot_reload: false }
devices:
  - { id: pack-1, kind: battery, driver: simulator }
  - { id: charger-1, kind: charger, driver: simulator }
  - { id: pack-2, kind: battery, driver: simulator }
`;

interface DemoDevice { id: string; kind: 'battery' | 'charger'; sim: Record<string, unknown> }

function demoDevices(hours: number): DemoDevice[] {
  const faultStart = Math.max(0, hours * 3600 - 3 * 3600);
  return [
    { id: 'pack-1', kind: 'battery', sim: { seed: 11, chemistry: 'nmc', cells_series: 96, capacity_ah: 60, profile: 'drive' } },
    { id: 'charger-1', kind: 'charger', sim: { seed: 12, sessions_per_day: 16 } },
    { id: 'pack-2', kind: 'battery', sim: { seed: 13, chemistry: 'lfp', cells_series: 16, capacity_ah: 280, profile: 'drive', ambient_c: 35, faults: [
      { type: 'cooling_failure', start_s: faultStart, severity: 0.98 },
      { type: 'internal_short', start_s: faultStart + 1800, index: 4, severity: 40 },
    ] } },
  ];
}

export interface DemoGateway {
  base: string;
  config: AgentConfig;
  buffer: RecordBuffer;
  latest: LatestRecords;
  clock: ManualClock;
  /** Append records as the pipeline would (buffer, then the page's newest values). */
  commit(records: PendingRecord[]): EdgeRecord[];
  stop(): Promise<void>;
}

/** Simulate, score and commit `hours` of history into `<dataDir>/buffer.sqlite`, then serve it on 127.0.0.1. */
export async function startDemoGateway(dataDir: string, hours = DEMO_HOURS): Promise<DemoGateway> {
  const config = parseConfig(CONFIG(dataDir), 'demo-gateway.yaml', {});
  const clock = new ManualClock(END);
  const log = pino({ level: 'silent' });
  const buffer = RecordBuffer.open({
    path: join(dataDir, 'buffer.sqlite'), maxBytes: 256 * 1024 * 1024, synchronous: 'normal', retentionMs: 24 * 3_600_000,
    sinks: ['timescale', 'mqtt'], clock,
  });
  const latest = new LatestRecords();
  const commit = (records: PendingRecord[]) => {
    const { accepted } = buffer.append(records);
    latest.observe(accepted);
    return accepted;
  };
  const stage = await ScoringStage.create({ config: config.scoring, modelsDir: modelsDir(), registry: new Registry(), log, clock, gatewayId: GATEWAY });
  try {
    for (const device of demoDevices(hours)) {
      let batch: PendingRecord[] = [];
      const flush = async () => {
        commit([...batch, ...(await stage.score(batch))]);
        batch = [];
      };
      for (const { ts, reading } of simulateDevice({ deviceId: device.id, kind: device.kind, config: simulatorConfig(device.sim), durationS: hours * 3600, sampleEveryS: SAMPLE_S, startTs: END - hours * 3_600_000 })) {
        batch.push({
          gatewayId: GATEWAY, deviceId: device.id, deviceKind: device.kind, source: 'simulator', ts, clockTrusted: true,
          ...(reading.faults && reading.faults.length > 0 ? { faults: reading.faults } : {}), ...reading.body,
        } as PendingRecord);
        if (batch.length >= BATCH) await flush();
      }
      if (batch.length > 0) await flush();
    }
  } finally {
    await stage.close();
  }
  // timescale has everything up to 2 minutes ago; mqtt has been down for the last 40 minutes.
  const ackBefore = (sink: string, ts: number) => {
    for (;;) {
      const page = buffer.pending(sink, 5000).filter((p) => p.record.ts < ts);
      if (page.length === 0) return;
      buffer.ack(sink, page.map((p) => p.id));
    }
  };
  ackBefore('timescale', END - 120_000);
  ackBefore('mqtt', END - 40 * 60_000);

  const http = new HttpEndpoint();
  registerRoutes(http, {
    config,
    metrics: new AgentMetrics(),
    runners: config.devices.map(() => ({ currentState: 'running' as const, currentSource: 'simulator' as const })),
    latest,
    buffer: () => buffer,
    ready: () => true,
    sinkStates: () => ({ timescale: 'connected', mqtt: 'backoff' }),
    modelStatus: () => [],
    clockTrusted: () => true,
    now: () => clock.now(),
    refreshMetrics: () => undefined,
  });
  const { port } = await http.listen('127.0.0.1:0');
  return {
    base: `http://127.0.0.1:${port}`, config, buffer, latest, clock, commit,
    stop: async () => {
      await http.close();
      buffer.close();
    },
  };
}
