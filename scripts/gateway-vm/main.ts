/**
 * `npm run gateway-vm [-- --short] [-- --only systemd,powercut,...]`: the agent on a real Debian
 * VM (QEMU, systemd as PID 1), installed as the README tells a user. Prints one JSON line per
 * scenario ({"scenario", "ok", ...figures}) and exits 1 if any failed. A scenario this machine
 * cannot run prints {"scenario", "skipped": reason} and does not fail the run.
 *
 * --short is the CI form: fewer power cuts, shorter CAN load and flaky-link run, the same checks.
 * --deadline EPOCH_S (CI): a scenario starts only if its estimated wall time fits before the
 * deadline, else it prints {"scenario", "skipped": "time budget ..."}: slowness of the machine must
 * not read as a defect. The hard stop is .ci/run's `timeout` around this command (the preparation
 * and the arm64 build block the event loop, so no timer in here could cut them short).
 */
import { ensureDebianTools, ensureImage, ensureRelease, releaseShare, SkipError } from './prepare.js';
import { runSystemdScenario } from './scenario-systemd.js';
import { runPowerCutScenario } from './scenario-powercut.js';
import { runArm64Scenario } from './scenario-arm64.js';
import { runCanScenario } from './scenario-can.js';
import { QemuCrashError } from './qemu.js';
import { exitWith } from './exit.js';
import { runNetemScenario } from './scenario-netem.js';

export interface ScenarioContext {
  short: boolean;
  imageDir: string;
  /** The folder shared read-only with the VM: release.tar, the release scripts/build-release.sh made. */
  releaseDir: string;
  /** The release folder itself (arm64.sh derives the arm64 release from it). */
  releaseFolder: string;
}
export interface ScenarioResult { ok: boolean; [figure: string]: unknown }
type Scenario = (ctx: ScenarioContext) => Promise<ScenarioResult>;

const SCENARIOS: Record<string, Scenario> = {
  systemd: runSystemdScenario,
  powercut: runPowerCutScenario,
  can: runCanScenario,
  netem: runNetemScenario,
  arm64: runArm64Scenario,
};

/**
 * Wall time of each --short scenario on a cached image, measured on this 2-core machine under load
 * (docs/RELIABILITY.md), with a margin; arm64 includes its first cross-build.
 */
const SHORT_ESTIMATE_S: Record<string, number> = { systemd: 420, powercut: 750, can: 600, netem: 480, arm64: 900 };

function parseArgs(argv: string[]): { short: boolean; only: string[]; deadlineMs: number } {
  let short = false;
  let deadlineMs = Number.POSITIVE_INFINITY;
  let only = Object.keys(SCENARIOS);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--short') short = true;
    else if (arg === '--only') only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (arg.startsWith('--only=')) only = arg.slice(7).split(',').filter(Boolean);
    else if (arg === '--deadline') deadlineMs = Number(argv[++i]) * 1000;
    else throw new Error(`unknown option ${arg} (--short, --only NAME[,NAME], --deadline EPOCH_S)`);
  }
  const unknown = only.filter((name) => !(name in SCENARIOS));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  if (Number.isNaN(deadlineMs)) throw new Error('--deadline wants seconds since the epoch (date +%s)');
  return { short, only, deadlineMs };
}

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<number> {
  const { short, only, deadlineMs } = parseArgs(process.argv.slice(2));
  let failed = 0;
  let ctx: ScenarioContext;
  try {
    if (process.platform !== 'linux') throw new SkipError('needs Linux');
    ensureDebianTools({ 'qemu-system-x86_64': 'qemu-system-x86', debootstrap: 'debootstrap', 'mkfs.ext4': 'e2fsprogs', git: 'git' });
    const releaseFolder = ensureRelease();
    ctx = { short, imageDir: ensureImage('amd64'), releaseFolder, releaseDir: releaseShare(releaseFolder) };
  } catch (err) {
    if (!(err instanceof SkipError)) throw err;
    for (const scenario of only) emit({ scenario, skipped: err.message });
    return 0;
  }
  for (const name of only) {
    const started = Date.now();
    const leftS = Math.round((deadlineMs - started) / 1000);
    const needS = SHORT_ESTIMATE_S[name] ?? 900;
    if (leftS < needS) {
      emit({ scenario: name, skipped: `time budget: ${leftS} s left before --deadline, the scenario needs about ${needS} s` });
      continue;
    }
    try {
      const result = await SCENARIOS[name]!(ctx).catch((err: unknown) => {
        if (!(err instanceof QemuCrashError)) throw err;
        process.stderr.write(`gateway-vm: ${err.message}; running ${name} once more\n`);
        return SCENARIOS[name]!(ctx).then((again) => ({ ...again, retried_after: err.message }));
      });
      emit({ scenario: name, ...result, short, wall_s: Math.round((Date.now() - started) / 1000) });
      if (!result.ok) failed++;
    } catch (err) {
      if (err instanceof SkipError) { emit({ scenario: name, skipped: err.message }); continue; }
      failed++;
      emit({ scenario: name, ok: false, error: err instanceof Error ? err.message : String(err), wall_s: Math.round((Date.now() - started) / 1000) });
    }
  }
  return failed === 0 ? 0 : 1;
}

main().then((code) => exitWith(code), (err) => {
  process.stderr.write(`gateway-vm: ${err instanceof Error ? err.stack : String(err)}\n`);
  exitWith(2);
});
