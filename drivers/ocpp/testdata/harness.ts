/**
 * Test setup shared by the OCPP tests: builds an endpoint config, starts the connector drivers
 * through the ordinary Driver contract with recording contexts, and stops them again.
 */
import { afterEach } from 'vitest';
import { RecordingContext } from '../../test-context.js';
import type { ChargerSignals } from '../../../core/record.js';
import { connectorDeviceId, ocppConfigSchema, type OcppConfig } from '../config.js';
import { OcppDriver } from '../driver.js';

export const PASSWORD = 'gateway-side-secret-1';
export const CSMS_PASSWORD = 'csms-side-secret-0001';

export function ocppConfig(overrides: Record<string, unknown>): OcppConfig {
  return ocppConfigSchema.parse({
    listen: '127.0.0.1:0',
    security_profile: 1,
    heartbeat_interval_s: 60,
    charge_points: [
      { identity: 'CP1', connectors: 2, password: PASSWORD, csms_password: CSMS_PASSWORD },
      { identity: 'CP2', connectors: 1, password: PASSWORD, csms_password: CSMS_PASSWORD },
    ],
    ...overrides,
  });
}

export interface RunningEndpoint {
  url: string;
  port: number;
  contexts: Map<string, RecordingContext>;
  drivers: OcppDriver[];
  ctx(deviceId: string): RecordingContext;
  stop(): Promise<void>;
}

/** Starts one driver per connector of every charge point in `config`. */
export async function startConnectors(config: OcppConfig, scheme = 'ws'): Promise<RunningEndpoint> {
  const contexts = new Map<string, RecordingContext>();
  const drivers: OcppDriver[] = [];
  for (const cp of config.charge_points) {
    for (let c = 1; c <= cp.connectors; c++) {
      const id = connectorDeviceId(cp.identity, c);
      const ctx = new RecordingContext(id, 'charger');
      const driver = new OcppDriver(config, id);
      await driver.start(ctx);
      contexts.set(id, ctx);
      drivers.push(driver);
    }
  }
  const port = drivers[0]!.sharedEndpoint!.port;
  return {
    url: `${scheme}://127.0.0.1:${port}${config.path}`,
    port,
    contexts,
    drivers,
    ctx: (id) => contexts.get(id)!,
    stop: async () => {
      for (const d of drivers) await d.stop();
    },
  };
}

export function chargerOf(ctx: RecordingContext): ChargerSignals[] {
  return ctx.readings.map((r) => (r.body as { charger: ChargerSignals }).charger);
}

export const at = (minute: number): string => new Date(Date.UTC(2026, 5, 1, 12, minute)).toISOString();

/** A MeterValues payload as an AC charger sends it: register in kWh, power, per-phase current. */
export function meterValues(connectorId: number, transactionId: number | undefined, minute: number, registerKWh: number, powerW: number): Record<string, unknown> {
  return {
    connectorId,
    ...(transactionId !== undefined ? { transactionId } : {}),
    meterValue: [
      {
        timestamp: at(minute),
        sampledValue: [
          { value: registerKWh.toFixed(3), measurand: 'Energy.Active.Import.Register', unit: 'kWh', context: 'Sample.Periodic' },
          { value: String(powerW), measurand: 'Power.Active.Import', unit: 'W' },
          { value: '16.1', measurand: 'Current.Import', phase: 'L1', unit: 'A' },
          { value: '15.9', measurand: 'Current.Import', phase: 'L2', unit: 'A' },
          { value: '16.0', measurand: 'Current.Import', phase: 'L3', unit: 'A' },
          { value: '231.0', measurand: 'Voltage', phase: 'L1-N', unit: 'V' },
          { value: '41.5', measurand: 'Temperature', location: 'Body', unit: 'Celsius' },
        ],
      },
    ],
  };
}

/** What a test file started: stopped after each test (peers first, then the endpoint). */
export interface TestRig {
  endpoint: RunningEndpoint | undefined;
  readonly peers: Array<{ stop(): Promise<void> }>;
}

export function testRig(): TestRig {
  const rig: TestRig = { endpoint: undefined, peers: [] };
  afterEach(async () => {
    for (const p of rig.peers.splice(0)) await p.stop();
    await rig.endpoint?.stop();
    rig.endpoint = undefined;
  });
  return rig;
}
