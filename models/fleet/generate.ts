/**
 * Simulated-fleet datasets for the failure and anomaly models: runs the simulator's offline
 * generator (drivers/simulator simulateFleet/planFleet) and feeds every reading through the SAME
 * online feature code the agent uses (models/scoring/features.ts), then writes one CSV row per
 * device every --row-every-s seconds with the features, the active fault labels and the
 * device's failure time.
 *
 *   node dist/models/fleet/generate.js --kind battery|charger --seed N --count N --days D --out FILE
 *       [--sample-every-s 300] [--row-every-s 600] [--first-day-row-every-s N] [--fault-rate 0.08]
 *
 * `--devices FROM:TO` writes only devices FROM..TO-1 of the planned fleet (the plan is the same for
 * every slice, so slices run in parallel and concatenated give the whole fleet's rows; batteries only:
 * a charger's failure draws depend on the rows written before it).
 *
 * `--first-day-row-every-s` writes rows more often during each device's first simulated day, so
 * the models can be trained and evaluated on short histories (a freshly started gateway is scored
 * within minutes, when the 1 h and 24 h means have not settled); default: --row-every-s.
 *
 * Batteries: faults and their onsets come from the simulator's documented fleet hazard
 * (drivers/simulator/generate.ts). `failure_s` = onset of the first critical fault
 * (internal_short or cooling_failure), -1 if none in the run.
 * Chargers: the simulator's faults (overtemp, ground fault, ...) produce the precursors (error
 * codes, heat); the failure itself comes from the charger hazard model in charger-hazard.ts, which
 * depends on the live state. After the failure the charger is out of service: no more rows.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { parseFlags } from '../../core/flags.js';
import type { PendingRecord } from '../../core/record.js';
import { planFleet, simulateDevice } from '../../drivers/simulator/index.js';
import { CHARGER_FEATURES, PACK_FEATURES, featureValues, updateState, type DeviceState } from '../scoring/features.js';
import { ChargerHazard } from './charger-hazard.js';

const CRITICAL = new Set(['internal_short', 'cooling_failure']);

async function main(): Promise<void> {
  const { flags } = parseFlags(process.argv.slice(2));
  const num = (name: string, def?: number): number => {
    const v = flags.get(name);
    if (v === undefined || v === true) {
      if (def === undefined) throw new Error(`--${name} is required`);
      return def;
    }
    return Number(v);
  };
  const kind = flags.get('kind') === 'charger' ? 'charger' : 'battery';
  const out = flags.get('out');
  if (typeof out !== 'string') throw new Error('--out FILE is required');
  const seed = num('seed');
  const days = num('days');
  const sampleEveryS = num('sample-every-s', 300);
  const rowEveryS = num('row-every-s', 600);
  const firstDayRowEveryS = num('first-day-row-every-s', rowEveryS);
  const durationS = days * 86_400;
  const devices = planFleet({ seed, count: num('count'), kind, durationS, sampleEveryS, faultRate: num('fault-rate', 0.08), idPrefix: `${kind}-s${seed}` });
  const names = kind === 'battery' ? PACK_FEATURES : CHARGER_FEATURES;
  const slice = flags.get('devices');
  const [from, to] = typeof slice === 'string' ? slice.split(':').map(Number) : [0, devices.length];
  if (kind === 'charger' && typeof slice === 'string') throw new Error('--devices is for batteries only (charger failure draws depend on earlier devices)');
  // Synchronous writes: the simulation loop never yields to the event loop, so a stream would
  // buffer the whole dataset in memory.
  const fd = openSync(out, 'w');
  writeSync(fd, `device,t_s,${names.join(',')},faults,failure_s,fault_onsets\n`);
  let rows = 0;
  for (const device of devices.slice(from, to)) {
    const lines: string[] = [];
    const states = new Map<string, DeviceState>();
    const hazard = kind === 'charger' ? new ChargerHazard(seed * 1_000_003 + rows) : null;
    let failureS = -1;
    const onsets = device.config.faults.map((f) => `${f.type}@${f.start_s}`).join(';');
    if (kind === 'battery') {
      const crit = device.config.faults.filter((f) => CRITICAL.has(f.type)).map((f) => f.start_s);
      failureS = crit.length ? Math.min(...crit) : -1;
    }
    let nextRow = 0;
    for (const { ts, reading } of simulateDevice({ deviceId: device.deviceId, kind, config: device.config, durationS, sampleEveryS })) {
      const tS = (ts - Date.parse('2026-01-01T00:00:00Z')) / 1000;
      const record = { gatewayId: 'fleet', deviceId: device.deviceId, deviceKind: kind, source: 'simulator', ts, clockTrusted: true, ...reading.body } as PendingRecord;
      const state = updateState(states, record);
      if (!state) continue;
      const values = featureValues(state);
      if (hazard && hazard.step(values, sampleEveryS)) {
        failureS = tS;
      }
      if (tS >= nextRow || failureS === tS) {
        nextRow = tS + (tS < 86_400 ? Math.min(firstDayRowEveryS, rowEveryS) : rowEveryS);
        const cells = names.map((n) => (values[n] === undefined ? '' : Number(values[n].toPrecision(7))));
        lines.push(`${device.deviceId},${tS},${cells.join(',')},${(reading.faults ?? []).join(';')},${failureS},${onsets}\n`);
        rows++;
      }
      if (kind === 'charger' && failureS >= 0) break; // out of service after the failure
    }
    writeSync(fd, lines.join(''));
    process.stderr.write(`${device.deviceId}: failure_s=${failureS} faults=${onsets || '-'}\n`);
  }
  closeSync(fd);
  process.stderr.write(`wrote ${rows} rows to ${out}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
