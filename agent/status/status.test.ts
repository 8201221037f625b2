/** The JSON API and the status page in a real headless Chromium (Debian's, driven by playwright-core). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { Agent } from '../agent.js';
import { chromiumAvailable, launchChromium } from './chromium.js';

let agent: Agent;
let base: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ev-edge-status-'));
  const config = parseConfig(
    `data_dir: ${dir}
gateway: { id: gw-status }
http: { listen: "127.0.0.1:0" }
buffer: { flush_interval_ms: 50 }
devices:
  - { id: pack-s, kind: battery, driver: simulator, interval_ms: 100, simulator: { seed: 5, acceleration: 300, cells_series: 12 } }
  - { id: charger-s, kind: charger, driver: simulator, interval_ms: 100, simulator: { seed: 6, acceleration: 300 } }
`,
    'status.yaml',
  );
  agent = await Agent.start({ config, log: pino({ level: 'silent' }) });
  base = `http://127.0.0.1:${agent.listening!.port}`;
  await new Promise((r) => setTimeout(r, 400));
});
afterAll(async () => {
  await agent?.stop();
});

const getJson = async (path: string) => {
  const res = await fetch(base + path);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

describe('status API', () => {
  it('lists devices with state, source and newest telemetry', async () => {
    const { status, body } = await getJson('/api/devices');
    expect(status).toBe(200);
    expect(body.gateway).toBe('gw-status');
    expect(body.devices.map((d: any) => [d.id, d.kind, d.state, d.source])).toEqual([
      ['pack-s', 'battery', 'running', 'simulator'],
      ['charger-s', 'charger', 'running', 'simulator'],
    ]);
    expect(body.devices[0].telemetry.battery.packVoltageV).toBeGreaterThan(30);
  });

  it('serves latest, history (typed, bounded) and alarms; rejects unknown devices and types', async () => {
    const latest = await getJson('/api/devices/pack-s/latest');
    expect(latest.body.telemetry.key).toMatch(/^gw-status\/pack-s\/\d+$/);
    let history = await getJson('/api/devices/pack-s/history?limit=5&type=battery');
    for (let i = 0; i < 50 && history.body.records.length < 5; i++) {
      await new Promise((r) => setTimeout(r, 200));
      history = await getJson('/api/devices/pack-s/history?limit=5&type=battery');
    }
    expect(history.body.records).toHaveLength(5);
    const seqs = history.body.records.map((r: any) => r.seq);
    expect(seqs).toEqual([...seqs].sort((a: number, b: number) => b - a)); // newest first
    expect(history.body.records.every((r: any) => r.type === 'battery' && r.deviceId === 'pack-s')).toBe(true);
    expect((await getJson('/api/devices/nope/latest')).status).toBe(404);
    expect((await getJson('/api/devices/pack-s/history?type=toast')).status).toBe(400);
    const alarms = await getJson('/api/alarms');
    expect(Array.isArray(alarms.body.alarms)).toBe(true);
    const series = await getJson('/api/devices/pack-s/series?hours=1&points=50');
    expect(series.body.telemetry.t.length).toBeGreaterThan(0);
    expect(series.body.telemetry.t.length).toBeLessThanOrEqual(50);
    expect(series.body.telemetry.packVoltageV).toHaveLength(series.body.telemetry.t.length);
    expect((await getJson('/api/devices/pack-s/series?hours=100')).status).toBe(400);
    expect((await getJson('/api/devices/pack-s/series?points=0')).status).toBe(400);
    const status = await getJson('/api/status');
    expect(status.body.buffer.rows).toBeGreaterThan(0);
  });
});

describe.skipIf(!chromiumAvailable())('status page in headless Chromium (skipped without /usr/bin/chromium: apt-get install chromium)', () => {
  it('loads from a live agent, shows the simulated devices labelled as simulated, charts their history and updates by itself', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      page.on('pageerror', (err) => { throw err; });
      await page.goto(base + '/');
      const chips = page.getByTestId('device');
      await expect.poll(() => chips.count(), { timeout: 10_000 }).toBe(2);
      expect(await chips.first().getAttribute('data-device')).toBe('pack-s');
      expect(await page.getByTestId('source').allTextContents()).toEqual(['simulator', 'simulator']);
      expect(await page.getByTestId('summary').textContent()).toMatch(/state of charge\s*\d+\.\d %/);
      expect(await page.locator('[data-testid=cell-bars] rect.cell').count()).toBe(12);
      await page.waitForSelector('#history[data-device="pack-s"] .uplot');
      const points = await page.evaluate(() => (globalThis as any).evEdgeCharts['pack-voltage'].data[1].length);
      expect(points).toBeGreaterThan(0);
      const before = await page.getByTestId('ts').first().textContent();
      await expect.poll(() => page.getByTestId('ts').first().textContent(), { timeout: 10_000 }).not.toBe(before);
      expect(await page.getByTestId('buffer').textContent()).toMatch(/buffer \d+ rows/);
      // The charger, picked from the device list.
      await chips.nth(1).click();
      await page.waitForSelector('#history[data-device="charger-s"] .uplot');
      expect(await page.getByTestId('connector').textContent()).toMatch(/^[A-Z][A-Za-z]+$/);
    } finally {
      await browser.close();
    }
  });
});
