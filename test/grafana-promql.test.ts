/**
 * The agent dashboard's PromQL: parsed by promtool, every metric it reads exported by a running
 * agent, and (where the prometheus binary exists) evaluated by a real Prometheus that scrapes the
 * agent with config/prometheus/scrape.yml's relabelling.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Agent } from '../agent/agent.js';
import { freePort } from '../sync/free-port.js';
import { parseConfig } from '../config/load.js';
import { exposedNames, metricNames, promForTest } from '../config/grafana/promql.js';
import { GRAFANA_DIR, loadDashboards, targetsOf, variablesOf, variableQuery, type Json } from '../config/grafana/test-support.js';

const has = (bin: string) => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0;
const hasPromtool = has('promtool');
const hasPrometheus = has('prometheus');

const dashboards = loadDashboards();
const promTargets = dashboards.flatMap((d) => targetsOf(d)).filter((t) => t.datasource.uid === 'ev-edge-prometheus');
const exprs = promTargets.map((t) => ({ where: `${t.dashboard} "${t.panel}"`, expr: String(t.target.expr) }));
const promVariables = dashboards.flatMap((d) => variablesOf(d)).filter((v) => v.datasource?.uid === 'ev-edge-prometheus');

/** Series Prometheus itself adds per scrape target. */
const PROMETHEUS_SERIES = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

let agent: Agent | undefined;
let dir = '';
let exported = new Set<string>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ev-edge-grafana-'));
  const deadPort = await freePort();
  const config = parseConfig(`data_dir: ${dir}
gateway: { id: gw-test }
http: { listen: "127.0.0.1:0" }
buffer: { flush_interval_ms: 50 }
scoring: { enabled: true }
devices:
  - { id: pack-a, kind: battery, driver: simulator, interval_ms: 100, simulator: { seed: 3, acceleration: 600, cells_series: 12 } }
  - { id: charger-a, kind: charger, driver: simulator, interval_ms: 100, simulator: { seed: 4, acceleration: 600 } }
sinks:
  timescale: { host: 127.0.0.1, port: ${deadPort}, connect_timeout_ms: 200, backoff_max_ms: 1000 }
`, 'grafana-test.yaml');
  agent = await Agent.start({ config, log: pino({ level: 'silent' }) });
  await new Promise((r) => setTimeout(r, 400));
  exported = exposedNames(await (await fetch(`http://127.0.0.1:${agent.listening!.port}/metrics`)).text());
});
afterAll(async () => {
  await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('PromQL helpers', () => {
  it('find the metric names of an expression', () => {
    expect(metricNames('histogram_quantile(0.95, sum by (gateway, le) (rate(evedge_sink_batch_duration_seconds_bucket{gateway=~".*"}[1m])))'))
      .toEqual(['evedge_sink_batch_duration_seconds_bucket']);
    expect(metricNames('time() - evedge_device_last_record_timestamp_seconds{a="b"}')).toEqual(['evedge_device_last_record_timestamp_seconds']);
    expect(metricNames('a / on(x) group_left(y) b offset 5m')).toEqual(['a', 'b']);
  });
});

describe('agent dashboard PromQL', () => {
  it('has queries for every area the central team watches', () => {
    const used = new Set(exprs.flatMap((e) => metricNames(e.expr)));
    for (const m of ['evedge_records_ingested_total', 'evedge_buffer_used_bytes', 'evedge_buffer_max_bytes', 'evedge_buffer_rows', 'evedge_sink_lag_seconds',
      'evedge_sink_state', 'evedge_records_dropped_total', 'evedge_driver_state', 'evedge_driver_errors_total', 'evedge_device_source_switches_total',
      'evedge_scoring_duration_seconds_bucket']) expect(used, m).toContain(m);
  });

  it.skipIf(!hasPromtool)('every expression parses (promtool check rules, as recording rules)', () => {
    const rules = { groups: [{ name: 'ev-edge-dashboards', rules: exprs.map((e, i) => ({ record: `evedge_dashboard:expr_${i}`, expr: promForTest(e.expr) })) }] };
    const file = join(dir, 'dashboard-rules.yml');
    writeFileSync(file, stringify(rules));
    const out = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    expect(out.stdout + out.stderr, 'promtool check rules').toContain(`SUCCESS: ${exprs.length} rules found`);
    expect(out.status).toBe(0);
  });

  it('every metric a query or variable reads is exported by the running agent', () => {
    // Scoring is on in this agent, so its metrics (evedge_scoring_*, evedge_model_*, alarms) are
    // checked on /metrics like everything else.
    expect([...exported].some((n) => n.startsWith('evedge_scoring_'))).toBe(true);
    const reads = [
      ...exprs.map((e) => ({ where: e.where, names: metricNames(promForTest(e.expr)) })),
      ...promVariables.map((v) => ({ where: `$${v.name}`, names: [/label_values\((\w+)/.exec(variableQuery(v))![1]!] })),
    ];
    for (const r of reads) {
      expect(r.names.length, r.where).toBeGreaterThan(0);
      for (const name of r.names) {
        expect(exported.has(name) || PROMETHEUS_SERIES.has(name), `${r.where}: ${name} is not exported by the agent`).toBe(true);
      }
    }
  });

  it.skipIf(!hasPrometheus)('a real Prometheus scrapes the agent with scrape.yml relabelling and evaluates every query', async () => {
    const port = agent!.listening!.port;
    const scrape = parse(readFileSync(join(GRAFANA_DIR, '..', 'prometheus', 'scrape.yml'), 'utf8')) as Json;
    scrape.global.scrape_interval = '1s';
    scrape.global.scrape_timeout = '1s';
    const [staticJob, fileJob] = scrape.scrape_configs as Json[];
    staticJob!.static_configs = [{ targets: [`localhost:${port}`] }];
    const sdDir = join(dir, 'sd');
    spawnSync('mkdir', ['-p', sdDir]);
    writeFileSync(join(sdDir, 'gw.yml'), stringify([{ targets: [`127.0.0.1:${port}`], labels: { gateway: 'gw-file' } }]));
    fileJob!.file_sd_configs = [{ files: [join(sdDir, '*.yml')], refresh_interval: '1s' }];
    const configFile = join(dir, 'prometheus.yml');
    writeFileSync(configFile, stringify(scrape));
    const webPort = await freePort();
    const prometheus: ChildProcess = spawn('prometheus', [
      `--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${webPort}`,
    ], { stdio: 'ignore' });
    const query = async (q: string): Promise<Json> =>
      (await (await fetch(`http://127.0.0.1:${webPort}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as Json;
    try {
      let series: Json[] = [];
      for (let i = 0; i < 60 && series.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 500));
        series = await query('evedge_buffer_rows').then((r) => r.data?.result ?? [], () => []);
      }
      expect(series.map((s) => [s.metric.gateway, s.metric.instance]).sort()).toEqual([['gw-file', '127.0.0.1'], ['localhost', 'localhost']]);
      await new Promise((r) => setTimeout(r, 3000)); // a few scrapes, so rate() has points
      const empty: string[] = [];
      for (const e of exprs) {
        const res = await query(promForTest(e.expr, '10s'));
        expect(res.status, `${e.where}: ${JSON.stringify(res.error)}`).toBe('success');
        if (res.data.result.length === 0) empty.push(e.where);
      }
      for (const p of ['Gateway reachable', 'Ingest rate by type', 'Buffer used vs cap', 'Sink state', 'Driver state', 'Data source', 'Sink lag']) {
        expect(empty.some((w) => w.includes(`"${p}`)), `${p} should have data`).toBe(false);
      }
    } finally {
      prometheus.kill('SIGTERM');
      await new Promise((r) => (prometheus.exitCode !== null ? r(null) : prometheus.once('exit', r)));
    }
  });
});
