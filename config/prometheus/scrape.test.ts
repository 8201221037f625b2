import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const hasPromtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('config/prometheus', () => {
  it.skipIf(!hasPromtool)('scrape.yml passes promtool check config, also with the file_sd example in place', () => {
    const plain = spawnSync('promtool', ['check', 'config', join(here, 'scrape.yml')], { encoding: 'utf8' });
    expect(plain.stdout + plain.stderr).toContain('SUCCESS');
    expect(plain.status).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'ev-edge-prom-'));
    try {
      // promtool reads and validates the file_sd files the glob matches.
      mkdirSync(join(dir, 'gateways'));
      writeFileSync(join(dir, 'gateways', 'gateways.yml'), readFileSync(join(here, 'gateways.example.yml')));
      const text = readFileSync(join(here, 'scrape.yml'), 'utf8').replace('/etc/prometheus/ev-edge/gateways/*.yml', join(dir, 'gateways', '*.yml'));
      writeFileSync(join(dir, 'scrape.yml'), text);
      const out = spawnSync('promtool', ['check', 'config', join(dir, 'scrape.yml')], { encoding: 'utf8' });
      expect(out.stdout + out.stderr).not.toMatch(/WARNING|FAILED/);
      expect(out.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('both jobs label every target with gateway, and the file_sd example is well formed', () => {
    const config = parse(readFileSync(join(here, 'scrape.yml'), 'utf8')) as Json;
    expect(config.global.scrape_interval).toBe('15s');
    for (const job of config.scrape_configs as Json[]) {
      expect(job.relabel_configs.some((r: Json) => r.target_label === 'gateway'), job.job_name).toBe(true);
    }
    const rule = (config.scrape_configs[0].relabel_configs as Json[]).find((r) => r.target_label === 'gateway')!;
    const re = new RegExp(`^(?:${rule.regex})$`);
    expect(';gw-017.fleet.example:9100'.replace(re, '$1')).toBe('gw-017');
    expect(re.test('gw-lab-02;lab-bench-1.fleet.example:9100')).toBe(false); // an explicit label is kept
    const groups = parse(readFileSync(join(here, 'gateways.example.yml'), 'utf8')) as Json[];
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) {
      expect(g.targets.every((t: string) => /^[\w.-]+:\d+$/.test(t))).toBe(true);
      expect(Object.keys(g).every((k) => k === 'targets' || k === 'labels')).toBe(true);
    }
  });
});
