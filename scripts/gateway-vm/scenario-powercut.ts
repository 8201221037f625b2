/**
 * Scenario 3: hard power cuts (SIGKILL of QEMU, disk on cache=none) while the agent ingests and
 * drains to PostgreSQL on the host. After each reboot every record the witness saw reported is in
 * the buffer or upstream, the buffer opens intact, and nothing is duplicated upstream. Run once
 * with `synchronous: full` (the default, must lose nothing) and once with `normal` (reported: what
 * users trade for fewer fsyncs).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../sync/free-port.js';
import { startPgServer, type PgServer } from '../../sync/timescale/embedded-pg.js';
import { pgKeyCounts } from '../../sync/timescale/test-support.js';
import { createJob } from './job.js';
import type { ScenarioContext, ScenarioResult } from './main.js';
import { harnessDir } from './prepare.js';
import { bootVm, QemuCrashError } from './qemu.js';
import { summarize } from './scenario-systemd.js';
import { waitForHttp, Witness } from './witness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runPowerCutScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const cuts = Number(process.env.GATEWAY_VM_CUTS ?? (ctx.short ? 3 : 20));
  // GATEWAY_VM_SYNCHRONOUS=normal runs only the `normal` half (e.g. beside a `full` run).
  if (process.env.GATEWAY_VM_SYNCHRONOUS === 'normal') {
    const normal = await powerCuts(ctx, 'normal', cuts);
    return { ...normal, synchronous: 'normal', ok: normal.ok || Boolean(normal.only_loss) };
  }
  const full = await powerCuts(ctx, 'full', cuts);
  // `normal` is reported, not required to lose nothing: it trades power-loss safety for speed.
  const normal = ctx.short ? undefined : await powerCuts(ctx, 'normal', Number(process.env.GATEWAY_VM_CUTS_NORMAL ?? 10));
  return { ...full, synchronous: 'full', ...(normal ? { synchronous_normal: { ...normal, ok: undefined, ok_apart_from_loss: normal.ok || normal.only_loss } } : {}) };
}

async function powerCuts(ctx: ScenarioContext, synchronous: 'full' | 'normal', cuts: number): Promise<ScenarioResult> {
  const pg: PgServer = await startPgServer('ev_edge', ['-c', 'fsync=on']);
  const apiPort = await freePort();
  const job = createJob(`powercut-${synchronous}`, ctx.imageDir, 'powercut.sh', {
    'config.yaml': join(harnessDir, 'guest', 'powercut-config.yaml'),
  }, { SYNCHRONOUS: synchronous, PG_PORT: pg.port, CUTS: cuts });
  const witness = new Witness(apiPort);
  const bootSeconds: number[] = [];
  let journalReplays = 0;
  try {
    for (let boot = 1; boot <= cuts + 1; boot++) {
      // restrict=off: the guest must reach PostgreSQL on 10.0.2.2 (QEMU's NAT to host loopback).
      const vm = bootVm({ arch: 'amd64', imageDir: ctx.imageDir, disk: job.disk, jobDir: job.dir, releaseDir: ctx.releaseDir, restrict: false, forwards: { 9100: apiPort } });
      const upFile = join(job.outDir, `agent-up-${boot}`);
      const deadline = Date.now() + 10 * 60_000;
      while (!existsSync(upFile) && Date.now() < deadline) await sleep(500);
      const lastBoot = boot > cuts;
      if (!existsSync(upFile) || (!lastBoot && !(await waitForHttp(`http://127.0.0.1:${apiPort}/readyz`, 120_000)))) {
        const crashed = vm.exitSignal;
        await vm.powerCut();
        if (crashed !== null) throw new QemuCrashError(`boot ${boot}: QEMU died of ${crashed} (see ${vm.logFile})`);
        throw new Error(`boot ${boot}: the agent did not come up (see ${job.outDir})`);
      }
      bootSeconds.push(Math.round((Date.now() - vm.startedAt) / 1000));
      // The initrd's fsck prints this when it replays the ext4 journal (QEMU rewrites the console log each boot).
      if (readFileSync(join(job.outDir, 'console.log'), 'latin1').includes('recovering journal')) journalReplays++;
      if (lastBoot) {
        // The guest powers off by itself; a timer that is cleared so it cannot hold the process open.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([vm.exited, new Promise((r) => { timer = setTimeout(r, 180_000); })]);
        clearTimeout(timer);
        await vm.powerCut();
        break;
      }
      witness.start(boot);
      // Ingest and drain for a while, then cut at a moment the guest cannot predict.
      await sleep(4000 + Math.random() * 8000);
      await vm.powerCut();
      witness.stop();
      process.stderr.write(`gateway-vm powercut (${synchronous}): cut ${boot}/${cuts}, ${witness.seen.size} records witnessed so far\n`);
    }
    return { ...(await verify(job.checks(), job.outDir, pg, witness, cuts, bootSeconds)), ext4_journal_replays: journalReplays };
  } finally {
    witness.stop();
    await pg.destroy();
  }
}

async function verify(checks: ReturnType<ReturnType<typeof createJob>['checks']>, outDir: string, pg: PgServer, witness: Witness, cuts: number, bootSeconds: number[]): Promise<ScenarioResult> {
  const result = summarize(checks, outDir);
  const upstream = await pgKeyCounts(pg, null);
  const duplicated = [...upstream.values()].filter((n) => n > 1).length;
  const lost: string[] = [];
  for (let cut = 1; cut <= cuts; cut++) {
    const file = join(outDir, `buffer-after-cut-${cut}.txt`);
    const buffered = new Set(existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
    for (const [key, seenBeforeCut] of witness.seen) {
      if (seenBeforeCut !== cut) continue;
      const deviceSeq = key.slice(key.indexOf('/') + 1);
      if (!buffered.has(deviceSeq) && !upstream.has(key)) lost.push(key);
    }
  }
  const ok = result.ok && lost.length === 0 && duplicated === 0 && upstream.size > 0 && witness.seen.size > 0;
  return {
    ...result, ok, only_loss: result.ok && duplicated === 0 && upstream.size > 0 && lost.length > 0,
    cuts, witnessed_committed: witness.seen.size, witness_polls: witness.polls, witnessed_lost: lost.length,
    lost_examples: lost.slice(0, 5), upstream_records: upstream.size, upstream_duplicated_keys: duplicated,
    boot_to_ready_s: { min: Math.min(...bootSeconds), max: Math.max(...bootSeconds) },
  };
}
