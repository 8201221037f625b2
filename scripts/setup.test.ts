/**
 * scripts/setup.sh, the set-up `npm test` runs first: on a machine without the test tools, as a user
 * who cannot install them, it stops at once with one line naming exactly the Debian packages to
 * install, and it passes where they are present.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../agent/test-support.js';

const SETUP = join(REPO_ROOT, 'scripts', 'setup.sh');
const asRoot = process.getuid?.() === 0;
const haveSetpriv = existsSync('/usr/bin/setpriv');
const installed = existsSync(join(REPO_ROOT, 'node_modules', '.ev-edge-lock.sha256'));

describe.skipIf(!asRoot || !haveSetpriv || !installed)('scripts/setup.sh test (needs root, setpriv and a set-up checkout)', () => {
  // A PATH holding only what the script itself uses: every test tool looks missing.
  const bin = mkdtempSync(join(tmpdir(), 'evedge-setup-bin-'));
  chmodSync(bin, 0o755); // nobody must be able to read it
  afterAll(() => rmSync(bin, { recursive: true, force: true }));
  for (const tool of ['bash', 'sha256sum', 'cut', 'cat', 'id', 'stat', 'dirname']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));

  it('as a user who cannot install, names every missing package on one line and fails at once', () => {
    const run = spawnSync('/usr/bin/setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '/usr/bin/bash', SETUP, 'test'], {
      env: { PATH: bin, HOME: '/tmp', EV_EDGE_SETUP_NPM: 'skip' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    // Python modules are checked with /usr/bin/python3, and mosquitto and pgbouncer at their /usr/sbin
    // paths too, so only the tools found through PATH go missing here.
    for (const pkg of ['socat', 'kcat', 'prometheus', 'can-utils', 'systemd', 'chromium']) {
      expect(lines[0]).toMatch(new RegExp(`apt-get install -y .*\\b${pkg}\\b`));
    }
  });

  it('passes on this machine, where the tools are installed', () => {
    const run = spawnSync('/usr/bin/bash', [SETUP, 'test'], { env: { ...process.env, EV_EDGE_SETUP_NPM: 'skip' }, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('EV_EDGE_SETUP=skip skips it', () => {
    const run = spawnSync('/usr/bin/bash', [SETUP, 'test'], { env: { PATH: bin, EV_EDGE_SETUP: 'skip' }, encoding: 'utf8' });
    expect(run.status).toBe(0);
  });
});
