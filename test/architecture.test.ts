/**
 * The layering rules of .dependency-cruiser.cjs: the real tree obeys them, and each rule really
 * fires on a deliberate violation (a rule that never fires would pass any tree).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../agent/test-support.js';

const DEPCRUISE = join(REPO_ROOT, 'node_modules', '.bin', 'depcruise');
const LAYERS = ['core', 'agent', 'drivers', 'models', 'sync', 'config'];

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Runs dependency-cruiser in `cwd` over the layer folders that exist there; returns its violations. */
function cruise(cwd: string, folders: string[]): Violation[] {
  const run = spawnSync(DEPCRUISE, ['--config', '.dependency-cruiser.cjs', '--output-type', 'json', ...folders], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (!run.stdout) throw new Error(`depcruise printed nothing (exit ${run.status}): ${run.stderr}`);
  const report = JSON.parse(run.stdout) as { summary: { violations: Violation[] } };
  return report.summary.violations;
}

describe('layering (.dependency-cruiser.cjs)', () => {
  it('the tree has no violations', () => {
    const violations = cruise(REPO_ROOT, LAYERS);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  });

  it('`npm run layers` passes on the tree', () => {
    // The CLI's exit code is what a developer sees: 0 on the real tree here, non-zero on each bad tree below.
    expect(() => execFileSync(DEPCRUISE, ['--config', '.dependency-cruiser.cjs', ...LAYERS], { cwd: REPO_ROOT, stdio: 'pipe' })).not.toThrow();
  });

  describe('each rule fires on a deliberate violation', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'ev-edge-layers-'));
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));
    cpSync(join(REPO_ROOT, '.dependency-cruiser.cjs'), join(scratch, '.dependency-cruiser.cjs'));
    writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ type: 'module' }));
    const file = (path: string, text: string): void => {
      mkdirSync(dirname(join(scratch, path)), { recursive: true });
      writeFileSync(join(scratch, path), text);
    };
    // One target module per layer, importing nothing.
    for (const layer of LAYERS) file(`${layer}/target.ts`, `export const ${layer}Target = 1;\n`);

    const cases: Array<{ rule: string; from: string; imports: string; typeOnly?: boolean }> = [
      { rule: 'core-imports-nothing-of-ours', from: 'core/bad.ts', imports: '../drivers/target.js' },
      { rule: 'only-agent-wires', from: 'drivers/bad.ts', imports: '../agent/target.js' },
      { rule: 'only-agent-wires', from: 'config/bad.ts', imports: '../agent/target.js', typeOnly: true },
      { rule: 'only-agent-wires', from: 'models/bad.ts', imports: '../agent/target.js' },
      { rule: 'only-agent-wires', from: 'sync/bad.ts', imports: '../agent/target.js' },
      { rule: 'drivers-not-sync', from: 'drivers/bad2.ts', imports: '../sync/target.js' },
      { rule: 'sync-not-drivers', from: 'sync/bad2.ts', imports: '../drivers/target.js' },
      { rule: 'models-not-sync', from: 'models/bad2.ts', imports: '../sync/target.js', typeOnly: true },
    ];
    for (const c of cases) {
      it(`${c.rule}: ${c.from} -> ${c.imports}${c.typeOnly ? ' (type-only import)' : ''}`, () => {
        const name = c.imports.split('/')[1] + 'Target';
        file(c.from, c.typeOnly ? `import type * as T from '${c.imports}';\nexport type X = typeof T.${name};\n` : `import { ${name} } from '${c.imports}';\nexport const x = ${name};\n`);
        try {
          const violations = cruise(scratch, LAYERS);
          expect(violations.map((v) => [v.rule.name, v.from])).toEqual([[c.rule, c.from]]);
          const cli = spawnSync(DEPCRUISE, ['--config', '.dependency-cruiser.cjs', ...LAYERS], { cwd: scratch, encoding: 'utf8' });
          expect(cli.status).not.toBe(0);
          expect(cli.stdout).toContain(c.rule);
        } finally {
          rmSync(join(scratch, c.from));
        }
      });
    }

    it('allowed imports pass: agent -> anything, parts -> core, config -> sync', () => {
      file('agent/ok.ts', "export * from '../drivers/target.js';\nexport * from '../sync/target.js';\n");
      file('drivers/ok.ts', "export * from '../core/target.js';\n");
      file('config/ok.ts', "export * from '../sync/target.js';\n");
      expect(cruise(scratch, LAYERS)).toEqual([]);
    });
  });
});
