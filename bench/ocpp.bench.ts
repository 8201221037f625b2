/**
 * The OCPP proxy's cost, against the hand-written charge point and CSMS (drivers/ocpp/testdata/peer.ts):
 * - ocpp.proxy_added_latency_ms_p50/p99: round trip of a MeterValues call (charger -> CSMS -> charger)
 *   through the proxy minus the same percentile of the same call made straight to the CSMS.
 * - ocpp.proxy_messages_per_s: MeterValues calls per second through the proxy, CHARGERS chargers
 *   each with one call outstanding at a time (as OCPP requires), tapped into records.
 * Everything runs in this one process over loopback (security profile 1, no TLS), so the peers
 * share the CPU with the proxy: the throughput is a lower bound for the proxy alone.
 */
import { RecordingContext } from '../drivers/test-context.js';
import { connectorDeviceId, ocppConfigSchema } from '../drivers/ocpp/config.js';
import { OcppDriver } from '../drivers/ocpp/driver.js';
import { RawChargePoint, RawCsms } from '../drivers/ocpp/testdata/peer.js';
import { emit, percentile } from './emit.js';

const WARMUP = 200;
const CALLS = 2000;
const CHARGERS = 10;
const PER_CHARGER = 500;
const PASSWORD = 'bench-password-0001';

const meter = (i: number) => ({
  connectorId: 1,
  transactionId: 1000,
  meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: String(1000 + i), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }, { value: '7200', measurand: 'Power.Active.Import', unit: 'W' }] }],
});

async function roundTrips(cp: RawChargePoint, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await cp.call('MeterValues', meter(i));
    out.push(performance.now() - t0);
  }
  return out;
}

async function main(): Promise<void> {
  const identities = Array.from({ length: CHARGERS }, (_, i) => `BENCH-${i}`);
  const csms = new RawCsms();
  const csmsPort = await csms.start();
  const config = ocppConfigSchema.parse({
    mode: 'proxy',
    listen: '127.0.0.1:0',
    security_profile: 1,
    csms: { url: `ws://127.0.0.1:${csmsPort}/ocpp` },
    charge_points: identities.map((identity) => ({ identity, password: PASSWORD })),
  });
  const drivers = identities.map((identity) => new OcppDriver(config, connectorDeviceId(identity, 1)));
  const contexts = identities.map((identity) => new RecordingContext(connectorDeviceId(identity, 1), 'charger'));
  const peers: RawChargePoint[] = [];
  try {
    for (const [i, d] of drivers.entries()) await d.start(contexts[i]!);
    const proxyUrl = `ws://127.0.0.1:${drivers[0]!.sharedEndpoint!.port}/ocpp`;

    const direct = new RawChargePoint(`ws://127.0.0.1:${csmsPort}/ocpp`, 'DIRECT');
    peers.push(direct);
    await direct.connect();
    const viaProxy = new RawChargePoint(proxyUrl, identities[0]!, { password: PASSWORD });
    peers.push(viaProxy);
    await viaProxy.connect();
    await roundTrips(direct, WARMUP);
    await roundTrips(viaProxy, WARMUP);
    const straight = await roundTrips(direct, CALLS);
    const proxied = await roundTrips(viaProxy, CALLS);
    const detail = { calls: CALLS, direct_p50_ms: percentile(straight, 50), direct_p99_ms: percentile(straight, 99), proxied_p50_ms: percentile(proxied, 50), proxied_p99_ms: percentile(proxied, 99) };
    emit('ocpp.proxy_added_latency_ms_p50', percentile(proxied, 50) - percentile(straight, 50), 'ms', detail);
    emit('ocpp.proxy_added_latency_ms_p99', percentile(proxied, 99) - percentile(straight, 99), 'ms', detail);

    const chargers = identities.slice(1).map((identity) => new RawChargePoint(proxyUrl, identity, { password: PASSWORD }));
    peers.push(...chargers);
    for (const cp of chargers) await cp.connect();
    const all = [viaProxy, ...chargers];
    const before = contexts.reduce((n, c) => n + c.readings.length, 0);
    const t0 = performance.now();
    await Promise.all(all.map((cp) => roundTrips(cp, PER_CHARGER)));
    const seconds = (performance.now() - t0) / 1000;
    const recorded = contexts.reduce((n, c) => n + c.readings.length, 0) - before;
    if (recorded !== CHARGERS * PER_CHARGER) throw new Error(`expected ${CHARGERS * PER_CHARGER} records, got ${recorded}`);
    emit('ocpp.proxy_messages_per_s', (CHARGERS * PER_CHARGER) / seconds, 'msg/s', { chargers: CHARGERS, calls_per_charger: PER_CHARGER, records: recorded, seconds });
  } finally {
    for (const p of peers) await p.stop();
    for (const d of drivers) await d.stop();
    await csms.stop();
  }
}

await main();
