/**
 * onnxruntime's native library (about 25 MB resident once mapped) is loaded only when scoring
 * runs: importing the agent's modules, as every CLI command and a scoring-off agent do, must not
 * map it. Checked in a fresh node process against its own /proc/self/maps (the compiled agent).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './test-support.js';

const dist = join(REPO_ROOT, 'dist', 'agent');

function mapsAfterImport(modules: string[]): string {
  const script = `${modules.map((m) => `await import(${JSON.stringify(join(dist, m))});`).join('')}
    process.stdout.write(require('node:fs').readFileSync('/proc/self/maps', 'utf8'));`;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script.replace("require('node:fs')", "(await import('node:fs'))")], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(res.stderr);
  return res.stdout;
}

describe.skipIf(!existsSync(join(dist, 'cli.js')))('onnxruntime is loaded on demand (needs npm run build)', () => {
  it('the CLI commands and the agent do not map libonnxruntime until scoring starts', () => {
    expect(mapsAfterImport(['commands/index.js', 'agent.js', 'scoring-host.js'])).not.toMatch(/libonnxruntime/);
  });
  it('the scoring stage itself does map it (the check can see it)', () => {
    expect(mapsAfterImport(['../models/scoring/stage.js'])).toMatch(/libonnxruntime/);
  });
});
