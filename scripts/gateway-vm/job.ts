/**
 * A job folder for one VM run: the guest scripts, the scenario's job.sh and its files, shared into
 * the VM over 9p; the guest writes its checks and logs back under out/. Results come back as
 * checks.jsonl lines written by guest/lib.sh: {"check", "ok", ...} and {"figure", "value"}.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, harnessDir } from './prepare.js';

export interface GuestCheck { check: string; ok: boolean; [figure: string]: unknown }
export interface GuestFigure { figure: string; value: unknown }

export interface Job {
  dir: string;
  outDir: string;
  /** The run's own copy of the image's disk (power cuts boot the same copy again). */
  disk: string;
  checks(): GuestCheck[];
  figures(): Record<string, unknown>;
  /** How many times the guest started the job (one per boot; guest/run-job.sh counts them). */
  boots(): number;
}

/**
 * `script`: a file under guest/ that becomes job.sh. `files`: name -> source path copied into the
 * job folder (configs, DBC files, CAN logs). `params`: written to params.env for the guest.
 */
export function createJob(name: string, imageDir: string, script: string, files: Record<string, string>, params: Record<string, string | number>): Job {
  const dir = join(cacheDir, 'runs', `${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  const outDir = join(dir, 'out');
  mkdirSync(outDir, { recursive: true });
  cpSync(join(harnessDir, 'guest'), join(dir, 'guest'), { recursive: true });
  copyFileSync(join(harnessDir, 'guest', script), join(dir, 'job.sh'));
  for (const [target, source] of Object.entries(files)) {
    mkdirSync(join(dir, target, '..'), { recursive: true });
    copyFileSync(source, join(dir, target));
  }
  writeFileSync(join(dir, 'params.env'), Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(String(v))}\n`).join(''));
  const disk = join(dir, 'disk.raw');
  // --sparse keeps the 3 GiB image at its used size; each run starts from the pristine image.
  copySparse(join(imageDir, 'disk.raw'), disk);
  const lines = (): Record<string, unknown>[] => {
    const file = join(outDir, 'checks.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).flatMap((line) => {
      try { return [JSON.parse(line) as Record<string, unknown>]; } catch { return [{ check: 'unparsable_guest_line', ok: false, line }]; }
    });
  };
  return {
    dir, outDir, disk,
    checks: () => lines().filter((l): l is GuestCheck => typeof l.check === 'string'),
    figures: () => Object.fromEntries(lines().filter((l) => typeof l.figure === 'string').map((l) => [l.figure as string, l.value])),
    boots: () => (existsSync(join(dir, 'boots')) ? Number(readFileSync(join(dir, 'boots'), 'utf8').trim()) : 0),
  };
}

function copySparse(from: string, to: string): void {
  const result = spawnSync('cp', ['--sparse=always', from, to]);
  if (result.status !== 0) throw new Error(`cp ${from} ${to}: ${result.stderr.toString()}`);
}
