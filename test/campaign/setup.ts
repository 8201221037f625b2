/**
 * The campaign's world: real upstreams (embedded PostgreSQL, Mosquitto, kcat's mock Kafka cluster),
 * fault proxies in front of PostgreSQL and Mosquitto, a black-hole broker, the buffer folder on a
 * size-limited tmpfs, a CAN log with random bytes spliced in, and the agent configs (good and
 * broken) the runs use.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAN_DATA_DIR, HAVE_CAN_DATA } from '../../drivers/can/testdata/shared-data.js';
import { havePymodbus, startServer, type RunningServer } from '../../drivers/modbus/testdata/harness.js';
import { sunspecBattery } from '../../drivers/modbus/testdata/images.js';
import { MockKafka } from '../../sync/kafka/mock-cluster.js';
import { startMosquitto, type MosquittoServer } from '../../sync/mqtt/mosquitto.js';
import { MqttCollector } from '../../sync/mqtt/test-support.js';
import { startPgServer, type PgServer } from '../../sync/timescale/embedded-pg.js';
import { FaultProxy, startBlackhole } from './proxy.js';

export const DEVICES = ['cp-pack-1', 'cp-pack-2', 'cp-charger-1'];
export const CAN_DEVICE = 'cp-kona-can';
/** A SunSpec pack behind a fault proxy (timeouts, refused connections) and a charger whose map
 * asks the same server for registers it does not have (Modbus exception responses). */
export const MODBUS_DEVICES = ['cp-modbus-pack', 'cp-modbus-bad'];
export const TMPFS_BYTES = 8 * 1024 * 1024;
export const BUFFER_CAP = '3MiB';

export interface World {
  dir: string;
  dataDir: string;
  tmpfs: boolean;
  clockFile: string;
  pg: PgServer;
  mosquitto: MosquittoServer;
  kafka: MockKafka;
  collector: MqttCollector;
  pgProxy: FaultProxy;
  mqttProxy: FaultProxy;
  blackhole: { port: number; stop(): Promise<void> };
  canLog: string | undefined;
  modbus: RunningServer | undefined;
  modbusProxy: FaultProxy | undefined;
  devices: string[];
  stop(): Promise<void>;
}

/** The Kona log with random bytes spliced into about 2 % of its lines (seeded). */
function corruptCanLog(dir: string, random: () => number): string | undefined {
  if (!HAVE_CAN_DATA) return undefined;
  const lines = readFileSync(join(CAN_DATA_DIR, 'kona_bms_idle.asc'), 'latin1').split('\n');
  const out = lines.map((l) => {
    if (random() > 0.02 || l.length === 0) return l;
    const at = Math.floor(random() * l.length);
    const junk = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 6) }, () => Math.floor(random() * 256))).toString('latin1');
    return l.slice(0, at) + junk + l.slice(at + (random() < 0.5 ? 0 : 3));
  });
  const file = join(dir, 'kona-corrupt.asc');
  writeFileSync(file, out.join('\n'), 'latin1');
  return file;
}

export async function startWorld(random: () => number): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'ev-edge-campaign-'));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  let tmpfs = false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_BYTES}`, 'tmpfs', dataDir], { stdio: 'ignore' });
    tmpfs = true;
  } catch {
    // Not root / no mount: the disk-full faults are skipped and the report says so.
  }
  const clockFile = join(dir, 'clock-offset');
  writeFileSync(clockFile, '0');
  const [pg, mosquitto, kafka] = await Promise.all([startPgServer('ev_edge'), startMosquitto(), MockKafka.start('ev-telemetry')]);
  const collector = await MqttCollector.start(mosquitto);
  const pgProxy = await FaultProxy.start({ host: '127.0.0.1', port: pg.port });
  const mqttProxy = await FaultProxy.start({ host: '127.0.0.1', port: mosquitto.port });
  const blackhole = await startBlackhole();
  // CAMPAIGN_CAN=0 leaves the CAN replay device out (it is what trips the Kafka timestamp bug).
  const canLog = process.env['CAMPAIGN_CAN'] === '0' ? undefined : corruptCanLog(dir, random);
  const modbus = havePymodbus && process.env['CAMPAIGN_MODBUS'] !== '0' ? await startServer({ transport: 'tcp', port: 0, units: sunspecBattery(1) }) : undefined;
  const modbusProxy = modbus ? await FaultProxy.start({ host: '127.0.0.1', port: modbus.port }) : undefined;
  return {
    dir, dataDir, tmpfs, clockFile, pg, mosquitto, kafka, collector, pgProxy, mqttProxy, blackhole, canLog, modbus, modbusProxy,
    devices: [...DEVICES, ...(canLog ? [CAN_DEVICE] : []), ...(modbus ? MODBUS_DEVICES : [])],
    async stop() {
      await collector.stop();
      await Promise.allSettled([pgProxy.stop(), mqttProxy.stop(), blackhole.stop(), kafka.stop(), mosquitto.destroy(), pg.destroy(), modbusProxy?.stop(), modbus?.stop()]);
      if (tmpfs) execFileSync('umount', ['-l', dataDir], { stdio: 'ignore' });
    },
  };
}

export interface ConfigOptions {
  devices: boolean;
  /** Point the Kafka sink at the black hole instead of the mock cluster. */
  kafkaBlackhole: boolean;
}

export function agentConfig(w: World, o: ConfigOptions): string {
  const drain = 'batch_size: 200, backoff_initial_ms: 50, backoff_max_ms: 1000';
  const can = w.canLog
    ? `  - id: ${CAN_DEVICE}
    kind: battery
    driver: can
    interval_ms: 100
    can:
      replay: { file: ${w.canLog}, format: asc, speed: 20, loop: true }
      dbc: ${join(CAN_DATA_DIR, 'hyundai_kona_pcan.dbc')}
      map: { packVoltageV: Batt_HV_Status.VBatt, packCurrentA: Batt_HV_Status.IBatt, socPct: SocDisp }
`
    : '';
  const modbus = w.modbusProxy
    ? `  - { id: ${MODBUS_DEVICES[0]}, kind: battery, driver: modbus, interval_ms: 200, modbus: { transport: tcp, host: 127.0.0.1, port: ${w.modbusProxy.port}, unit_id: 1, timeout_ms: 300, retries: 0, map: sunspec-802 } }
  - { id: ${MODBUS_DEVICES[1]}, kind: charger, driver: modbus, interval_ms: 500, modbus: { transport: tcp, host: 127.0.0.1, port: ${w.modbusProxy.port}, unit_id: 1, timeout_ms: 300, retries: 0, map: abb-terra-ac } }
`
    : '';
  const devices = o.devices
    ? `devices:
  - { id: ${DEVICES[0]}, kind: battery, driver: simulator, interval_ms: 20, simulator: { seed: 1, acceleration: 100, cells_series: 24 } }
  - { id: ${DEVICES[1]}, kind: battery, driver: simulator, interval_ms: 20, simulator: { seed: 2, acceleration: 100, chemistry: lfp, cells_series: 16 } }
  - { id: ${DEVICES[2]}, kind: charger, driver: simulator, interval_ms: 20, simulator: { seed: 3, acceleration: 100 } }
${can}${modbus}`
    : 'devices: []\n';
  const broker = o.kafkaBlackhole ? `127.0.0.1:${w.blackhole.port}` : w.kafka.broker;
  return `data_dir: ${w.dataDir}
gateway: { id: gw-campaign }
log: { level: debug }
http: { listen: "127.0.0.1:0" }
buffer: { max_bytes: ${BUFFER_CAP}, flush_interval_ms: 20, batch_max_records: 200 }
${devices}sinks:
  timescale: { host: 127.0.0.1, port: ${w.pgProxy.port}, database: ${w.pg.database}, user: ${w.pg.user}, password: ${w.pg.password}, ${drain}, connect_timeout_ms: 1000, statement_timeout_ms: 2000 }
  mqtt: { url: "mqtt://127.0.0.1:${w.mqttProxy.port}", client_id: ev-edge-campaign, ${drain}, connect_timeout_ms: 1000, publish_timeout_ms: 1500 }
  kafka: { brokers: ["${broker}"], topic: ev-telemetry, ${drain}, connect_timeout_ms: 1000, request_timeout_ms: 1500 }
`;
}

/** Broken variants of a good config; each must make `run` exit non-zero with a clear message. */
export const BREAKAGES: { name: string; apply: (good: string) => string; knownBug?: string }[] = [
  { name: 'yaml_syntax', apply: (g) => g.replace('gateway: { id: gw-campaign }', 'gateway: { id: gw-campaign') },
  { name: 'unknown_key', apply: (g) => g.replace('max_bytes:', 'max_bytez:') },
  { name: 'bad_value', apply: (g) => g.replace('flush_interval_ms: 20', 'flush_interval_ms: -5') },
  { name: 'truncated', apply: (g) => g.slice(0, Math.floor(g.length / 3)) + '\n  - { id' },
  // Was bug config-unresolved-alias (a stack, exit 1); fixed in f2e3f63.
  { name: 'unresolved_alias', apply: (g) => g.replace('seed: 1,', 'seed: *one,') },
];
