/**
 * scripts/install.sh and uninstall.sh in a throw-away root (--destdir): files, modes, idempotence,
 * and an upgrade that keeps config and buffer.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../agent/test-support.js';

const hasDist = existsSync(join(REPO_ROOT, 'dist', 'agent', 'cli.js'));

/** A release folder as build-release.sh lays it out (without node_modules: not needed here). */
function fakeRelease(): string {
  const release = mkdtempSync(join(tmpdir(), 'ev-edge-release-'));
  cpSync(join(REPO_ROOT, 'dist'), join(release, 'dist'), { recursive: true });
  for (const file of ['package.json', 'README.md']) cpSync(join(REPO_ROOT, file), join(release, file));
  mkdirSync(join(release, 'config'));
  for (const file of ['gateway.default.yaml', 'ev-edge.example.yaml']) cpSync(join(REPO_ROOT, 'config', file), join(release, 'config', file));
  cpSync(join(REPO_ROOT, 'systemd'), join(release, 'systemd'), { recursive: true });
  cpSync(join(REPO_ROOT, 'scripts'), join(release, 'scripts'), { recursive: true });
  return release;
}

/** Every path under root with its mode and content hash: what "changes nothing" is checked against. */
function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = statSync(path);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out.push(`${relative(root, path)}/ ${mode}`);
        walk(path);
      } else out.push(`${relative(root, path)} ${mode} ${createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16)}`);
    }
  };
  walk(root);
  return out;
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
const install = (release: string, root: string) =>
  execFileSync('bash', [join(release, 'scripts', 'install.sh'), '--release', release, '--destdir', root], { encoding: 'utf8' });

describe.skipIf(!hasDist)('install.sh / uninstall.sh in a throw-away root (needs npm run build)', () => {
  it('installs the release, unit, default config and folders with the right modes, idempotently', () => {
    const release = fakeRelease();
    const root = mkdtempSync(join(tmpdir(), 'ev-edge-root-'));
    const first = install(release, root);
    expect(first).toContain('installed release into');
    expect(existsSync(join(root, 'opt/ev-edge/dist/agent/cli.js'))).toBe(true);
    expect(readFileSync(join(root, 'etc/systemd/system/ev-edge.service'), 'utf8')).toContain('Type=notify');
    expect(mode(join(root, 'etc/systemd/system/ev-edge.service'))).toBe('644');
    expect(readFileSync(join(root, 'etc/sysctl.d/60-ev-edge.conf'), 'utf8')).toMatch(/^net\.core\.rmem_default = 1048576$/m);
    expect(mode(join(root, 'etc/ev-edge'))).toBe('750');
    expect(mode(join(root, 'etc/ev-edge/credentials'))).toBe('700');
    expect(mode(join(root, 'etc/ev-edge/config.yaml'))).toBe('640');
    expect(mode(join(root, 'var/lib/ev-edge'))).toBe('750');
    expect(mode(join(root, 'opt/ev-edge/dist/agent/cli.js'))).toBe('644');
    expect(mode(join(root, 'opt/ev-edge/scripts/install.sh'))).toBe('755');
    // The installed default config is valid.
    execFileSync(process.execPath, [join(REPO_ROOT, 'dist/agent/cli.js'), 'check-config', join(root, 'etc/ev-edge/config.yaml')]);

    const before = snapshot(root);
    const second = install(release, root);
    expect(second).toContain('already this release');
    expect(snapshot(root)).toEqual(before);
  });

  it('an upgrade replaces the release but keeps the config and the buffer; uninstall keeps them unless --purge', () => {
    const release = fakeRelease();
    const root = mkdtempSync(join(tmpdir(), 'ev-edge-root-'));
    install(release, root);
    writeFileSync(join(root, 'etc/ev-edge/config.yaml'), 'gateway: { id: my-gateway }\n');
    writeFileSync(join(root, 'var/lib/ev-edge/buffer.sqlite'), 'not yet delivered');
    writeFileSync(join(release, 'dist', 'NEW_IN_THIS_RELEASE'), 'v2');
    const upgrade = install(release, root);
    expect(upgrade).toContain('kept existing config');
    expect(readFileSync(join(root, 'opt/ev-edge/dist/NEW_IN_THIS_RELEASE'), 'utf8')).toBe('v2');
    expect(readFileSync(join(root, 'etc/ev-edge/config.yaml'), 'utf8')).toBe('gateway: { id: my-gateway }\n');
    expect(readFileSync(join(root, 'var/lib/ev-edge/buffer.sqlite'), 'utf8')).toBe('not yet delivered');
    expect(readdirSync(join(root, 'opt')).sort()).toEqual(['ev-edge']);

    execFileSync('bash', [join(release, 'scripts', 'uninstall.sh'), '--destdir', root]);
    expect(existsSync(join(root, 'opt/ev-edge'))).toBe(false);
    expect(existsSync(join(root, 'etc/systemd/system/ev-edge.service'))).toBe(false);
    expect(existsSync(join(root, 'etc/sysctl.d/60-ev-edge.conf'))).toBe(false);
    expect(existsSync(join(root, 'var/lib/ev-edge/buffer.sqlite'))).toBe(true);
    execFileSync('bash', [join(release, 'scripts', 'uninstall.sh'), '--destdir', root, '--purge']);
    expect(existsSync(join(root, 'etc/ev-edge'))).toBe(false);
    expect(existsSync(join(root, 'var/lib/ev-edge'))).toBe(false);
  });

  it('refuses a folder that is not a built release', () => {
    const root = mkdtempSync(join(tmpdir(), 'ev-edge-root-'));
    const empty = mkdtempSync(join(tmpdir(), 'ev-edge-empty-'));
    expect(() => execFileSync('bash', [join(REPO_ROOT, 'scripts/install.sh'), '--release', empty, '--destdir', root], { stdio: 'pipe' })).toThrow(/not a built release/);
  });
});
