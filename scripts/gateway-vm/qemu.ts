/**
 * One QEMU virtual machine of the gateway-vm harness: boots the cached Debian image with its own
 * kernel, shares a job folder over 9p (the guest's gateway-vm-job.service runs /mnt/job/job.sh and
 * powers off) and, read-only, the release folder the guest installs from.
 *
 * Invariants:
 * - Networking is QEMU user networking only. `restrict: true` cuts the guest off from everything;
 *   otherwise its only peer is 10.0.2.2, QEMU's own NAT to the host's loopback. Forwarded ports
 *   listen on 127.0.0.1 only.
 * - The disk is opened with cache=none (O_DIRECT), so SIGKILL of QEMU (`powerCut`) loses exactly
 *   what the guest had not yet written out: the next boot replays the ext4 journal.
 * - TCG only: this machine's /dev/kvm cannot boot Debian's kernel, and CI machines may have none.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type VmArch = 'amd64' | 'arm64';

export interface VmOptions {
  arch: VmArch;
  imageDir: string;
  /** The run's own copy of the image's disk.raw (the harness copies it; power cuts reuse it). */
  disk: string;
  jobDir: string;
  /** Shared read-only as tag "release": holds release.tar (prepare.ts releaseShare). */
  releaseDir?: string;
  /** guest port -> host port on 127.0.0.1. */
  forwards?: Record<number, number>;
  restrict: boolean;
  memoryMiB?: number;
  /** Extra `-serial` backends after the console (the guest sees ttyS1, ttyS2 ...). */
  extraSerials?: string[];
}

export interface Vm {
  /** Resolves with QEMU's exit code (null when killed) once the process has gone. */
  exited: Promise<number | null>;
  /** A hard power cut: SIGKILL to QEMU, no flush, no shutdown. */
  powerCut(): Promise<void>;
  readonly startedAt: number;
  /** The signal QEMU died of, if it did (SIGKILL is ours: a power cut). */
  readonly exitSignal: NodeJS.Signals | null;
  readonly logFile: string;
}

/**
 * QEMU itself aborted (seen once under load: TCG's "iotlb_to_section: Assertion ... failed" during
 * firmware boot). Not a finding about the agent: main.ts runs the scenario once more.
 */
export class QemuCrashError extends Error {}

export function bootVm(options: VmOptions): Vm {
  const { arch, imageDir, jobDir } = options;
  const net = [`user,id=n0,restrict=${options.restrict ? 'on' : 'off'}`];
  for (const [guest, host] of Object.entries(options.forwards ?? {})) net.push(`hostfwd=tcp:127.0.0.1:${host}-:${guest}`);
  const machine = arch === 'amd64'
    ? ['qemu-system-x86_64', '-M', 'q35', '-cpu', 'max']
    : ['qemu-system-aarch64', '-M', 'virt', '-cpu', 'max'];
  const console = arch === 'amd64' ? 'ttyS0' : 'ttyAMA0';
  const args = [
    ...machine.slice(1), '-accel', 'tcg', '-smp', '2', '-m', String(options.memoryMiB ?? 1536),
    '-nographic', '-no-reboot', '-nodefaults',
    '-kernel', join(imageDir, 'vmlinuz'), '-initrd', join(imageDir, 'initrd.img'),
    '-append', `root=/dev/vda rw console=${console} quiet panic=1 net.ifnames=0 systemd.show_status=0`,
    '-drive', `file=${options.disk},format=raw,if=virtio,cache=none,aio=threads`,
    '-netdev', net.join(','), '-device', 'virtio-net-pci,netdev=n0',
    '-virtfs', `local,path=${jobDir},mount_tag=job,security_model=none,id=job`,
    '-serial', `file:${join(jobDir, 'out', 'console.log')}`,
    ...(options.extraSerials ?? []).flatMap((s) => ['-serial', s]),
  ];
  if (options.releaseDir) args.push('-virtfs', `local,path=${options.releaseDir},mount_tag=release,security_model=none,id=release,readonly=on`);
  const child: ChildProcess = spawn(machine[0]!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const logFile = join(jobDir, 'out', 'qemu.log');
  const log = createWriteStream(logFile, { flags: 'a' });
  let exitSignal: NodeJS.Signals | null = null;
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code, signal) => { exitSignal = signal; resolve(code); });
    child.on('error', (err) => { log.write(`spawn failed: ${String(err)}\n`); resolve(-1); });
  });
  return {
    exited,
    logFile,
    get exitSignal() { return exitSignal; },
    startedAt: Date.now(),
    async powerCut() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Waits for the VM to exit by itself; past `timeoutMs` it is killed and this rejects. */
export async function waitForExit(vm: Vm, timeoutMs: number, what: string): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
  const result = await Promise.race([vm.exited, timeout]);
  clearTimeout(timer);
  if (result === 'timeout') {
    await vm.powerCut();
    throw new Error(`${what}: the VM did not power off within ${Math.round(timeoutMs / 1000)} s (killed)`);
  }
  if (vm.exitSignal !== null && vm.exitSignal !== 'SIGKILL') {
    const last = readFileSync(vm.logFile, 'utf8').trim().split('\n').at(-1) ?? '';
    throw new QemuCrashError(`${what}: QEMU died of ${vm.exitSignal}: ${last}`);
  }
  return result;
}
