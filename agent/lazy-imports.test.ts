/**
 * What a gateway does not use, it does not load. onnxruntime's native library (about 25 MB
 * resident once mapped) only when a model needs it: importing the agent's modules, as every CLI
 * command and a scoring-off agent do, must not map it, and neither must loading the shipped models
 * with the default engine (`auto`, which runs them on the built-in evaluator); asking for
 * `onnxruntime` does, which shows the check can see it. The sinks' client libraries (kafkajs alone
 * is 143 modules, then mqtt and pg) only when their sink is configured. Checked in a fresh node
 * process against its own /proc/self/maps and CommonJS module cache (the compiled agent).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './test-support.js';

const dist = join(REPO_ROOT, 'dist');
const SHIPPED = ['anomaly_pack', 'cycle_life', 'failure_charger', 'failure_pack', 'rul_capacity'];
const AGENT_MODULES = ['agent/commands/index.js', 'agent/agent.js', 'agent/scoring-host.js', 'models/scoring/stage.js'];

/** Runs `body` (an ES module body) in a fresh node; its /proc/self/maps and the packages it required. */
function loadedAfter(body: string): { maps: string; packages: string[] } {
  const script = `${body}
    const { createRequire } = await import('node:module');
    const cache = Object.keys(createRequire(import.meta.url)('node:module')._cache);
    const packages = [...new Set(cache.map((p) => /node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(p)?.[1]).filter(Boolean))];
    process.stdout.write(JSON.stringify({ maps: (await import('node:fs')).readFileSync('/proc/self/maps', 'utf8'), packages }));`;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: REPO_ROOT });
  if (res.status !== 0) throw new Error(res.stderr);
  return JSON.parse(res.stdout) as { maps: string; packages: string[] };
}

const importAll = (modules: string[]) => modules.map((m) => `await import(${JSON.stringify(join(dist, m))});`).join('');
const loadShipped = (runtime: string) => `
  const { loadModel } = await import(${JSON.stringify(join(dist, 'models', 'scoring', 'model.js'))});
  for (const name of ${JSON.stringify(SHIPPED)}) {
    const model = await loadModel(${JSON.stringify(join(REPO_ROOT, 'models'))}, name, ${JSON.stringify(runtime)});
    if (model.runtime !== ${JSON.stringify(runtime === 'auto' ? 'builtin' : runtime)}) throw new Error(name + ' ran on ' + model.runtime);
  }`;
const createSinks = (sinks: object) => `
  const { createSinks, sinksSchema } = await import(${JSON.stringify(join(dist, 'sync', 'index.js'))});
  const pino = (await import('pino')).default;
  await createSinks(sinksSchema.parse(${JSON.stringify(sinks)}), { gatewayId: 'gw', log: pino({ level: 'silent' }), clock: {} });`;

describe.skipIf(!existsSync(join(dist, 'agent', 'cli.js')))('modules are loaded on demand (needs npm run build)', () => {
  it('the CLI commands, the agent and the scoring stage load no engine and no sink library on import', () => {
    const { maps, packages } = loadedAfter(importAll(AGENT_MODULES));
    expect(maps).not.toMatch(/libonnxruntime/);
    expect(packages.filter((p) => ['onnxruntime-node', 'kafkajs', 'mqtt', 'pg'].includes(p))).toEqual([]);
    expect(packages).toContain('better-sqlite3'); // the check sees what is loaded
  });
  it('loading every shipped model with the default engine does not map onnxruntime', () => {
    expect(loadedAfter(loadShipped('auto')).maps).not.toMatch(/libonnxruntime/);
  });
  it('scoring.runtime onnxruntime does map it (the check can see it)', () => {
    expect(loadedAfter(loadShipped('onnxruntime')).maps).toMatch(/libonnxruntime/);
  });
  it('a sink library is loaded when, and only when, its sink is configured', () => {
    expect(loadedAfter(createSinks({ mqtt: {} })).packages.filter((p) => ['kafkajs', 'mqtt', 'pg'].includes(p))).toEqual(['mqtt']);
    expect(loadedAfter(createSinks({ kafka: { brokers: ['k:9092'] }, timescale: {} })).packages.filter((p) => ['kafkajs', 'mqtt', 'pg'].includes(p)).sort())
      .toEqual(['kafkajs', 'pg']);
  });
});
