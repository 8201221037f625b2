/**
 * Scenario 2: live SocketCAN in the VM (guest/can.sh). The real Kona log (shared/data/can) is
 * converted to candump's format by python-can, an independent reader, for canplayer; the bus is
 * captured in the VM by candump, and that capture decoded here by `ev-edge decode` is the reference:
 * every value in a `hardware` record must be one the decoder read from a frame on the bus.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createJob } from './job.js';
import type { ScenarioContext, ScenarioResult } from './main.js';
import { harnessDir, repoRoot } from './prepare.js';
import { bootVm, waitForExit } from './qemu.js';
import { summarize } from './scenario-systemd.js';
import { sharedData } from './shared-data.js';

/** Record field -> DBC message.signal, as guest/can-config.yaml maps them. */
const FIELDS = { packVoltageV: 'Batt_HV_Status.VBatt', packCurrentA: 'Batt_HV_Status.IBatt', socPct: 'BMS_542.SocDisp' } as const;

export async function runCanScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const dbc = sharedData('can/hyundai_kona_pcan.dbc');
  const asc = sharedData('can/kona_bms_idle.asc');
  const job = createJob('can', ctx.imageDir, 'can.sh', {
    'config.yaml': join(harnessDir, 'guest', 'can-config.yaml'),
    'data/hyundai_kona_pcan.dbc': dbc,
  }, {
    KONA_LOOPS: ctx.short ? 4 : 20, LOAD_SECONDS: ctx.short ? 20 : 60,
    // The goal (8,000 frames/s, a saturated 1 Mbit/s bus) is a check in the full run and a figure in
    // --short; CHECK_FPS must always be lossless (a regression in the per-frame path fails it).
    LOAD_FPS: Number(process.env.GATEWAY_VM_CAN_FPS ?? 8000), LOAD_STRICT: ctx.short ? 0 : 1, CHECK_FPS: 2000,
  });
  // python-can reads the ASC file; canplayer wants candump -L lines (relative times are fine).
  const candump = execFileSync('/usr/bin/python3', ['-c', `
import can, sys
for m in can.ASCReader(sys.argv[1]):
    print("(%.6f) can0 %03X#%s" % (m.timestamp, m.arbitration_id, m.data.hex().upper()))`, asc], { encoding: 'utf8', maxBuffer: 64 << 20 });
  writeFileSync(join(job.dir, 'data', 'kona.log'), candump);
  const vm = bootVm({ arch: 'amd64', imageDir: ctx.imageDir, disk: job.disk, jobDir: job.dir, releaseDir: ctx.releaseDir, restrict: true });
  await waitForExit(vm, 30 * 60_000, 'can scenario');
  const result = { ...summarize(job.checks(), job.outDir), ...job.figures() };

  const { hardware, compared, decodedFrames, mismatches } = compareWithBus(job.outDir, dbc);
  const ok = result.ok && hardware > 0 && compared > 0 && mismatches.length === 0;
  return { ...result, ok, hardware_records: hardware, values_compared: compared, decoded_frames: decodedFrames, values_not_on_bus: mismatches.slice(0, 10) };
}

/**
 * Every value of a `hardware` record (kona-records.jsonl, dumped from the buffer in the VM) must be
 * one `ev-edge decode` read from a frame of the candump capture of the same bus.
 */
export function compareWithBus(outDir: string, dbc: string): { hardware: number; compared: number; decodedFrames: number; mismatches: string[] } {
  const decoded = execFileSync('node', [join(repoRoot, 'dist', 'agent', 'cli.js'), 'decode', '--dbc', dbc, join(outDir, 'candump.log')], { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  const seen = new Map<string, Set<number>>();
  for (const line of decoded.split('\n').filter(Boolean)) {
    const frame = JSON.parse(line) as { message: string; signals: Record<string, number> };
    for (const [signal, value] of Object.entries(frame.signals)) {
      for (const key of [`${frame.message}.${signal}`, signal]) (seen.get(key) ?? seen.set(key, new Set()).get(key)!).add(value);
    }
  }
  let hardware = 0;
  let compared = 0;
  const mismatches: string[] = [];
  for (const line of readFileSync(join(outDir, 'kona-records.jsonl'), 'utf8').split('\n').filter(Boolean)) {
    const record = JSON.parse(line) as { source: string; battery?: Record<string, unknown> };
    if (record.source !== 'hardware') continue;
    hardware++;
    for (const [field, signal] of Object.entries(FIELDS)) {
      const value = record.battery?.[field];
      if (typeof value !== 'number') continue;
      compared++;
      const values = seen.get(signal) ?? seen.get(signal.split('.')[1]!);
      if (!values?.has(value)) mismatches.push(`${field}=${value}`);
    }
  }
  return { hardware, compared, decodedFrames: decoded.split('\n').filter(Boolean).length, mismatches };
}
