/**
 * Scenario 1: the installed agent under real systemd. The work happens in the guest
 * (guest/systemd.sh); the host gives the VM a second UART (ttyS1, for the serial check) and reads
 * back the checks.
 */
import { join } from 'node:path';
import { createJob } from './job.js';
import type { ScenarioContext, ScenarioResult } from './main.js';
import { harnessDir } from './prepare.js';
import { bootVm, waitForExit } from './qemu.js';
import { sharedData } from './shared-data.js';

export async function runSystemdScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const job = createJob('systemd', ctx.imageDir, 'systemd.sh', {
    'config.yaml': join(harnessDir, 'guest', 'systemd-config.yaml'),
    'data/hyundai_kona_pcan.dbc': sharedData('can/hyundai_kona_pcan.dbc'),
  }, {});
  const vm = bootVm({ arch: 'amd64', imageDir: ctx.imageDir, disk: job.disk, jobDir: job.dir, releaseDir: ctx.releaseDir, restrict: true, extraSerials: ['null'] });
  await waitForExit(vm, 20 * 60_000, 'systemd scenario');
  return summarize(job.checks(), job.outDir);
}

/** A scenario passes when the guest recorded at least one check and every check passed. */
export function summarize(checks: { check: string; ok: boolean }[], outDir: string): ScenarioResult {
  const failed = checks.filter((c) => !c.ok).map((c) => c.check);
  const result: ScenarioResult = { ok: checks.length > 0 && failed.length === 0, checks: checks.length, failed, logs: outDir };
  for (const c of checks) {
    const { check, ok: _ok, ...figures } = c;
    if (Object.keys(figures).length) result[check] = figures;
  }
  if (checks.length === 0) result.error = `the guest recorded no check: see ${outDir}/console.log and job-*.log`;
  return result;
}
