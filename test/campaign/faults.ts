/**
 * The seeded fault schedule: before each agent run, the campaign draws the state of every upstream
 * (up / down / flapping / black hole, each sink on its own, sometimes all at once), whether the
 * disk is full, a wall-clock jump, whether the run starts with a broken config, and how the run
 * ends (SIGKILL mostly, SIGTERM sometimes). States persist across runs with some probability, so
 * outages span several restarts and the buffer reaches its cap.
 */
import { statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProxyMode } from './proxy.js';
import type { World } from './setup.js';

export type SinkState = ProxyMode | 'flapping';

export interface Plan {
  pg: SinkState;
  mqtt: SinkState;
  /** down = mock cluster frozen (SIGSTOP); blackhole = agent pointed at the black-hole server. */
  kafka: 'up' | 'down' | 'blackhole';
  /** The Modbus server's proxy: down = connection refused, blackhole = every request times out. */
  modbus: SinkState;
  diskFull: boolean;
  /** New wall-clock offset in ms (undefined: keep). */
  clockOffsetMs: number | undefined;
  brokenConfig: boolean;
  runMs: number;
  end: 'SIGKILL' | 'SIGTERM';
}

const HOUR = 3_600_000;

export function drawPlan(random: () => number, previous: Plan | undefined, counts: Record<string, number>): Plan {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const sinkState = (prev: SinkState | undefined): SinkState =>
    prev !== undefined && random() < 0.6 ? prev : pick<SinkState>(['up', 'up', 'up', 'down', 'flapping', 'blackhole']);
  let plan: Plan = {
    pg: sinkState(previous?.pg),
    mqtt: sinkState(previous?.mqtt),
    kafka: previous !== undefined && random() < 0.6 ? previous.kafka : pick(['up', 'up', 'up', 'down', 'blackhole'] as const),
    modbus: sinkState(previous?.modbus),
    diskFull: random() < 0.08,
    clockOffsetMs: undefined,
    brokenConfig: random() < 0.06,
    runMs: 1000 + Math.floor(random() * 4000),
    end: random() < 0.15 ? 'SIGTERM' : 'SIGKILL',
  };
  // Wall-clock jumps: mostly a few minutes to hours either way, once in a while back to 2000 (a
  // gateway without RTC booting before NTP), and back to no offset.
  const r = random();
  if (r < 0.05) plan.clockOffsetMs = Date.parse('2000-01-01T00:00:00Z') - Date.now();
  else if (r < 0.15) plan.clockOffsetMs = Math.round((random() * 2 - 1) * 6 * HOUR);
  else if (r < 0.2) plan.clockOffsetMs = 0;
  // Everything down at once now and then: the buffer fills up to its cap.
  if (random() < 0.1) plan = { ...plan, pg: 'down', mqtt: 'down', kafka: 'down', runMs: 5000 + Math.floor(random() * 5000) };
  for (const [k, v] of Object.entries({ pg: plan.pg, mqtt: plan.mqtt, kafka: plan.kafka, modbus: plan.modbus })) counts[`${k}_${v}`] = (counts[`${k}_${v}`] ?? 0) + 1;
  if (plan.pg === 'down' && plan.mqtt === 'down' && plan.kafka === 'down') counts['all_down'] = (counts['all_down'] ?? 0) + 1;
  return plan;
}

/** Applies the upstream states; returns a stop function for flapping timers. */
export function applySinks(w: World, plan: Plan, random: () => number): () => void {
  const timers: NodeJS.Timeout[] = [];
  const proxies = [[w.pgProxy, plan.pg], [w.mqttProxy, plan.mqtt], ...(w.modbusProxy ? [[w.modbusProxy, plan.modbus] as const] : [])] as const;
  for (const [proxy, state] of proxies) {
    if (state !== 'flapping') {
      proxy.set(state);
      continue;
    }
    const flip = (): void => {
      proxy.set(proxy.mode === 'up' ? 'down' : 'up');
      timers.push(setTimeout(flip, 200 + random() * 1200));
    };
    flip();
  }
  if (plan.kafka === 'down') w.kafka.pause();
  else w.kafka.resume();
  return () => timers.forEach((t) => clearTimeout(t));
}

const FILLER = 'filler.bin';

/** Fills the tmpfs holding the buffer, leaving `leave` bytes. Returns bytes written. */
export function fillDisk(w: World, leave = 64 * 1024): number {
  if (!w.tmpfs) return 0;
  const s = statfsSync(w.dataDir);
  const free = Number(s.bavail) * Number(s.bsize);
  const size = Math.max(0, free - leave);
  try {
    writeFileSync(join(w.dataDir, FILLER), Buffer.alloc(size));
  } catch {
    // ENOSPC while filling is the point
  }
  return size;
}

export function freeDisk(w: World): void {
  try {
    unlinkSync(join(w.dataDir, FILLER));
  } catch {
    // not there
  }
}

export function setClock(w: World, offsetMs: number): void {
  writeFileSync(w.clockFile, String(offsetMs));
}
