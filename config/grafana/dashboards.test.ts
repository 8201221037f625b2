import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandMacros, grafanaSql, interpolateVariables } from './macros.js';
import { DASHBOARDS, dashboardFile } from './spec/index.js';
import {
  DASHBOARD_DIR, GRAFANA_DIR, allPanels, loadDashboardProviders, loadDashboards, loadProvisionedDatasources, targetsOf, variablesOf, type Json,
} from './test-support.js';

describe('generated dashboards', () => {
  it('committed JSON is exactly what the specs generate (UPDATE_DASHBOARDS=1 rewrites it)', () => {
    for (const spec of DASHBOARDS) {
      const path = join(DASHBOARD_DIR, spec.file);
      if (process.env.UPDATE_DASHBOARDS === '1') writeFileSync(path, dashboardFile(spec));
      expect(readFileSync(path, 'utf8'), spec.file).toBe(dashboardFile(spec));
    }
    expect(loadDashboards().map((d) => d.file)).toEqual(DASHBOARDS.map((s) => s.file).sort());
  });
});

describe('dashboards', () => {
  const dashboards = loadDashboards();
  const datasources = loadProvisionedDatasources();
  const byUid = new Map(datasources.map((d) => [d.uid as string, d]));

  it('are valid Grafana dashboards with unique uids, ids and non-overlapping panels', () => {
    expect(new Set(dashboards.map((d) => d.json.uid)).size).toBe(dashboards.length);
    for (const d of dashboards) {
      expect(d.json.schemaVersion, d.file).toBe(39);
      expect(d.json.uid, d.file).toMatch(/^ev-edge-[a-z-]+$/);
      expect(d.json.title, d.file).toMatch(/^ev-edge \/ /);
      const panels = allPanels(d);
      expect(new Set(panels.map((p) => p.id)).size, d.file).toBe(panels.length);
      const cells = new Set<string>();
      for (const p of panels) {
        const g = p.gridPos as { x: number; y: number; w: number; h: number };
        expect(g.x + g.w, `${d.file} ${p.title}`).toBeLessThanOrEqual(24);
        for (let x = g.x; x < g.x + g.w; x++) {
          for (let y = g.y; y < g.y + g.h; y++) {
            expect(cells.has(`${x},${y}`), `${d.file} ${p.title} overlaps`).toBe(false);
            cells.add(`${x},${y}`);
          }
        }
        if (p.type !== 'row') expect(p.targets?.length, `${d.file} ${p.title}`).toBeGreaterThan(0);
      }
    }
  });

  it('refer to datasources only by a provisioned uid and type', () => {
    const refs: Json[] = [];
    for (const d of dashboards) {
      for (const p of allPanels(d)) if (p.datasource) refs.push({ where: `${d.file} ${p.title}`, ...p.datasource });
      for (const t of targetsOf(d)) refs.push({ where: `${d.file} ${t.panel}`, ...t.datasource });
      for (const v of variablesOf(d)) if (v.datasource) refs.push({ where: `${d.file} $${v.name}`, ...v.datasource });
    }
    expect(refs.length).toBeGreaterThan(100);
    for (const r of refs) {
      const ds = byUid.get(r.uid);
      expect(ds, r.where).toBeDefined();
      expect(r.type, r.where).toBe(ds!.type);
    }
  });

  it('every variable a query uses is defined on its dashboard', () => {
    const builtins = new Set(['__interval', '__interval_ms', '__rate_interval', '__range']);
    for (const d of dashboards) {
      const names = new Set(variablesOf(d).map((v) => v.name as string));
      const texts = [...targetsOf(d).map((t) => String(t.target.rawSql ?? t.target.expr)), ...variablesOf(d).map((v) => JSON.stringify(v.query))];
      for (const text of texts) {
        for (const m of text.matchAll(/\$\{?(\w+)/g)) {
          const name = m[1]!;
          if (name.startsWith('__') && !builtins.has(name)) continue; // macros: $__timeFilter(...)
          expect(builtins.has(name) || names.has(name), `${d.file}: $${name} in ${text.slice(0, 80)}`).toBe(true);
        }
      }
    }
  });

  it('shows simulated data distinctly: every dashboard that lists devices maps source simulator to SIMULATED', () => {
    for (const file of ['fleet-overview.json', 'data-freshness.json', 'battery-pack.json', 'predictions.json', 'alarms.json', 'chargers.json', 'agent.json']) {
      expect(readFileSync(join(DASHBOARD_DIR, file), 'utf8'), file).toContain('SIMULATED');
    }
  });
});

describe('provisioning', () => {
  it('defines the two datasources the dashboards use, with no literal secrets', () => {
    const ds = loadProvisionedDatasources();
    expect(ds.map((d) => [d.uid, d.type])).toEqual([['ev-edge-timescale', 'postgres'], ['ev-edge-prometheus', 'prometheus']]);
    const pg = ds[0]!;
    expect(pg.secureJsonData.password).toMatch(/^\$__(file|env)\{[^}]+\}$/);
    expect(pg.user).toMatch(/^\$__env\{/);
    expect(pg.jsonData.timescaledb).toBe(false);
    const text = readFileSync(join(GRAFANA_DIR, 'provisioning', 'datasources', 'ev-edge.yaml'), 'utf8');
    expect(text).not.toMatch(/password:[ \t]*[^\s$]/);
  });

  it('loads the dashboards folder with a file provider', () => {
    const [p] = loadDashboardProviders();
    expect(p).toMatchObject({ type: 'file', folderUid: 'ev-edge', options: { path: expect.stringMatching(/dashboards\/ev-edge$/) } });
  });
});

describe('Grafana SQL expansion (macros.go behaviour)', () => {
  const range = { from: new Date('2026-11-23T00:00:00Z'), to: new Date('2026-11-23T06:00:00Z') };
  it('expands time macros like Grafana', () => {
    expect(expandMacros('WHERE $__timeFilter(ts) AND x > $__timeFrom() AND x < $__timeTo()', range))
      .toBe("WHERE ts BETWEEN '2026-11-23T00:00:00.000Z' AND '2026-11-23T06:00:00.000Z' AND x > '2026-11-23T00:00:00.000Z' AND x < '2026-11-23T06:00:00.000Z'");
    expect(expandMacros('SELECT $__timeGroupAlias(ts, 5m), 1', range)).toBe('SELECT floor(extract(epoch from ts)/300)*300 AS "time", 1');
    expect(expandMacros('SELECT $__timeGroup(ts, 1h), 1', range)).toBe('SELECT floor(extract(epoch from ts)/3600)*3600 AS "time", 1');
    expect(expandMacros('GROUP BY $__timeGroup(ts, 1h)', range, true)).toBe("GROUP BY time_bucket('3600.000s',ts)");
    expect(() => expandMacros('$__nope(ts)', range)).toThrow(/unknown macro/);
  });
  it('interpolates variables like Grafana SQL datasources (multi: quoted list, single: raw)', () => {
    const vars = { gateway: { values: ["gw-a", "o'brien"], multi: true }, device: { values: ['pack-1'], multi: false } };
    expect(interpolateVariables("g IN ($gateway) AND d = '$device' AND s = '${device}'", vars)).toBe("g IN ('gw-a','o''brien') AND d = 'pack-1' AND s = 'pack-1'");
    expect(grafanaSql('$__timeGroupAlias(ts, $__interval)', {}, range, '30s')).toBe('floor(extract(epoch from ts)/30)*30 AS "time"');
  });
});
