/**
 * simulator.pack_sim_seconds_per_s: simulated seconds per wall second for a 96-cell NMC pack on
 * the drive profile (1 s sub-steps while current flows), through the offline generator with a
 * reading every 60 s. Two simulated days keep the run to a couple of seconds.
 * simulator.charger_sim_seconds_per_s: the same for one charge point.
 */
import { simulateDevice, simulatorConfig } from '../drivers/simulator/index.js';
import { emit } from './emit.js';

/** Wall-clock rate (the figure), with the process CPU time alongside: on a shared machine wall time is inflated. */
function simSecondsPerS(kind: 'battery' | 'charger', durationS: number): { rate: number; readings: number; wallMs: number; cpuMs: number } {
  const config = simulatorConfig({ seed: 42, cells_series: 96, capacity_ah: 60, profile: 'drive' });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let readings = 0;
  for (const _ of simulateDevice({ deviceId: `bench-${kind}`, kind, config, durationS, sampleEveryS: 60 })) readings++;
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { rate: durationS / (wallMs / 1000), readings, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

// Warm-up so the JIT has compiled the cell loop before measuring.
simSecondsPerS('battery', 6 * 3600);
const pack = simSecondsPerS('battery', 2 * 86_400);
emit('simulator.pack_sim_seconds_per_s', pack.rate, 'sim_s/s', { cells: 96, simulatedS: 2 * 86_400, readings: pack.readings, wallMs: Math.round(pack.wallMs), cpuMs: Math.round(pack.cpuMs) });
const charger = simSecondsPerS('charger', 30 * 86_400);
emit('simulator.charger_sim_seconds_per_s', charger.rate, 'sim_s/s', { simulatedS: 30 * 86_400, readings: charger.readings, wallMs: Math.round(charger.wallMs), cpuMs: Math.round(charger.cpuMs) });
