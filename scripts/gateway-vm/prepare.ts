/**
 * What a gateway-vm run needs before any VM boots: Debian tools (installed with apt-get when
 * missing and running as root, as CI machines start fresh), the cached VM image (image.sh) and
 * the release folder the guest installs (scripts/build-release.sh, cached by source state).
 *
 * Everything cached lives under $EV_EDGE_VM_CACHE (default /var/cache/ev-edge-vm), never in the
 * repository.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const cacheDir = process.env.EV_EDGE_VM_CACHE || '/var/cache/ev-edge-vm';
/** The repository root (this file is dist/scripts/gateway-vm/prepare.js or scripts/gateway-vm/prepare.ts). */
export const repoRoot = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
})();
export const harnessDir = join(repoRoot, 'scripts', 'gateway-vm');

/** Thrown when this machine cannot run a part: the harness prints it as a skip, not a failure. */
export class SkipError extends Error {}

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** command -> the Debian package that provides it. */
export function ensureDebianTools(tools: Record<string, string>): void {
  const missing = Object.entries(tools).filter(([command]) => !has(command)).map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  const packages = [...new Set(missing)];
  if (process.getuid?.() !== 0) throw new SkipError(`needs the Debian packages ${packages.join(' ')} (run as root to have them installed, or apt-get install them)`);
  process.stderr.write(`gateway-vm: apt-get install ${packages.join(' ')}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const result = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
  if (result.status !== 0) throw new Error(`apt-get install ${packages.join(' ')} failed`);
}

/** Builds or reuses the VM image; returns its folder (disk.raw, vmlinuz, initrd.img). */
export function ensureImage(arch: 'amd64' | 'arm64', env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync('bash', [join(harnessDir, 'image.sh'), arch], {
    stdio: ['ignore', 'pipe', 'inherit'], env: { ...env, EV_EDGE_VM_CACHE: cacheDir }, encoding: 'utf8',
  });
  if (result.status === 77) throw new SkipError('building the VM image needs root');
  if (result.status !== 0) throw new Error(`image.sh ${arch} failed (exit ${result.status})`);
  return result.stdout.trim().split('\n').pop()!;
}

/** What goes into a release (the cache key): not the docs, the tests' data or this harness. */
export const RELEASE_INPUTS = ['agent', 'core', 'drivers', 'models', 'sync', 'config', 'systemd', 'scripts/build-release.sh',
  'scripts/install.sh', 'scripts/uninstall.sh', 'package.json', 'package-lock.json', '.npmrc', 'tsconfig.json', 'tsconfig.build.json'];

/**
 * The release folder, as the README builds it (scripts/build-release.sh), cached by a hash of its
 * inputs (committed and uncommitted), so an edit rebuilds it. $EV_EDGE_VM_RELEASE overrides.
 */
export function ensureRelease(): string {
  // A release built elsewhere (e.g. by hand with scripts/build-release.sh) can be given directly.
  if (process.env.EV_EDGE_VM_RELEASE) return process.env.EV_EDGE_VM_RELEASE;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 << 20 });
  const key = createHash('sha256')
    .update(git('ls-files', '-s', '--', ...RELEASE_INPUTS))
    .update(git('diff', 'HEAD', '--', ...RELEASE_INPUTS))
    .update(process.version)
    .digest('hex').slice(0, 16);
  const out = join(cacheDir, `release-${process.arch}-${key}`);
  if (existsSync(join(out, 'dist', 'agent', 'cli.js'))) return out;
  mkdirSync(cacheDir, { recursive: true });
  const staging = `${out}.building`;
  rmSync(staging, { recursive: true, force: true });
  process.stderr.write(`gateway-vm: scripts/build-release.sh ${staging}\n`);
  const result = spawnSync('bash', [join(repoRoot, 'scripts', 'build-release.sh'), staging], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error('scripts/build-release.sh failed');
  renameSync(staging, out);
  return out;
}

/**
 * The folder the VM mounts read-only: the release as one tar file. Reading thousands of small
 * files over 9p under TCG takes many minutes; one sequential file takes seconds.
 */
export function releaseShare(release: string): string {
  const share = `${release}.share`;
  const tar = join(share, 'release.tar');
  // Rebuilt when anything in the folder is newer: an EV_EDGE_VM_RELEASE folder rebuilt in place
  // once gave the VM the previous tar (a stale release that failed to start).
  const stale = existsSync(tar) && execFileSync('find', [release, '-newer', tar, '-print', '-quit'], { encoding: 'utf8' }).trim() !== '';
  if (existsSync(tar) && !stale) return share;
  mkdirSync(share, { recursive: true });
  execFileSync('tar', ['-C', release, '-cf', join(share, 'release.tar.part'), '.']);
  renameSync(join(share, 'release.tar.part'), join(share, 'release.tar'));
  return share;
}
