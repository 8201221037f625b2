/** The unit must verify and score an exposure of 2.0 or lower (systemd-analyze, offline). */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const UNIT = fileURLToPath(new URL('./ev-edge.service', import.meta.url));
const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

describe.skipIf(!hasAnalyze)('ev-edge.service (skipped without systemd-analyze: apt-get install systemd)', () => {
  it('passes systemd-analyze verify', () => {
    const result = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
    expect(result.stderr.trim()).toBe('');
    expect(result.status).toBe(0);
  });

  it('scores an exposure level of 2.0 or lower in systemd-analyze security --offline=true', () => {
    const out = spawnSync('systemd-analyze', ['security', '--offline=true', UNIT], { encoding: 'utf8' }).stdout;
    const level = Number(/Overall exposure level for ev-edge\.service: (\d+\.\d+)/.exec(out)?.[1]);
    expect(level).toBeGreaterThan(0);
    expect(level).toBeLessThanOrEqual(2.0);
  });

  it('is Type=notify with a watchdog, a dedicated user in dialout, and AF_CAN allowed', () => {
    const text = execFileSync('cat', [UNIT], { encoding: 'utf8' });
    for (const line of ['Type=notify', 'WatchdogSec=30', 'User=ev-edge', 'SupplementaryGroups=dialout', 'StateDirectory=ev-edge', 'ConfigurationDirectory=ev-edge', 'ProtectSystem=strict', 'NoNewPrivileges=yes', 'PrivateTmp=yes', 'ProtectHome=yes']) {
      expect(text.split('\n')).toContain(line);
    }
    expect(text).toMatch(/^RestrictAddressFamilies=.*AF_CAN/m);
    expect(text).toMatch(/^SystemCallFilter=@system-service$/m);
    // One folder, not one line per secret: a LoadCredential= whose file is missing fails the unit.
    expect(text).toMatch(/^LoadCredential=ev-edge:\/etc\/ev-edge\/credentials$/m);
  });
});
