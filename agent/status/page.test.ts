/**
 * The status page in a real headless Chromium against the demo gateway (simulated history, real
 * scoring, real buffer and routes, fixed clock): the charts must draw what the API served, the cell
 * bars must match the cell voltages, and text from devices or model cards must stay text.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingRecord } from '../../core/record.js';
import { chromiumAvailable, launchChromium } from './chromium.js';
import { END, startDemoGateway, type DemoGateway } from './demo-gateway.js';

type Browser = Awaited<ReturnType<typeof launchChromium>>;
let gateway: DemoGateway;
let browser: Browser;
let dir: string;

const getJson = async (path: string) => (await (await fetch(gateway.base + path)).json()) as any;

/** Open the page on one device; resolves with the series JSON the page itself received. */
async function open(page: Page, device: string): Promise<any> {
  const series = page.waitForResponse((r) => r.url().includes(`/api/devices/${device}/series`));
  await page.goto(`${gateway.base}/#${device}`);
  const body = await (await series).json();
  await page.waitForSelector(`#history[data-device="${device}"] .uplot`);
  return body;
}

/** What a chart holds (uPlot's own data and series labels) and how many pixels of a colour it painted. */
function chartState(page: Page, key: string, rgb: [number, number, number]) {
  return page.evaluate(({ key, rgb }) => {
    const w = globalThis as any;
    const u = w.evEdgeCharts[key];
    if (!u) return null;
    const { width, height } = u.ctx.canvas;
    const px = u.ctx.getImageData(0, 0, width, height).data;
    let painted = 0;
    for (let i = 0; i < px.length; i += 4) if (Math.abs(px[i] - rgb[0]) < 40 && Math.abs(px[i + 1] - rgb[1]) < 40 && Math.abs(px[i + 2] - rgb[2]) < 40 && px[i + 3] > 100) painted++;
    return { data: u.data.map((col: ArrayLike<number | null>) => Array.from(col)), labels: u.series.map((s: any) => s.label ?? null), yMin: u.scales.y.min, yMax: u.scales.y.max, painted };
  }, { key, rgb });
}

const BLUE: [number, number, number] = [31, 111, 209];

describe.skipIf(!chromiumAvailable())('status page charts in headless Chromium (skipped without /usr/bin/chromium: apt-get install chromium)', () => {
  let page: Page;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ev-edge-page-'));
    gateway = await startDemoGateway(dir);
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('pageerror', (err) => { throw err; });
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('draws one bar per cell, as tall as its voltage, with min, max and spread marked', async () => {
    await open(page, 'pack-1');
    const volts: number[] = (await getJson('/api/devices/pack-1/latest')).telemetry.battery.cellVoltagesV;
    expect(volts).toHaveLength(96);
    const bars = await page.locator('[data-testid=cell-bars] rect.cell').evaluateAll((els) =>
      els.map((el) => ({ v: Number(el.getAttribute('data-v')), h: Number(el.getAttribute('height')), cls: el.getAttribute('class'), title: el.textContent })));
    expect(bars.map((b) => b.v)).toEqual(volts);
    expect(bars[0]?.title).toBe(`cell 1: ${volts[0]!.toFixed(3)} V`);
    // Height is linear in voltage over the baseline: every pair is ordered like its voltages.
    const slope = (bars[1]!.h - bars[0]!.h) / (volts[1]! - volts[0]! || 1);
    for (const [i, b] of bars.entries()) {
      if (volts[i] !== volts[0]) expect(Math.abs(b.h - bars[0]!.h - slope * (volts[i]! - volts[0]!))).toBeLessThan(0.1);
    }
    const min = Math.min(...volts);
    const max = Math.max(...volts);
    expect(bars.find((b) => b.cls === 'cell min')?.v).toBe(min);
    expect(bars.find((b) => b.cls === 'cell max')?.v).toBe(max);
    expect(Math.max(...bars.map((b) => b.h))).toBe(bars.find((b) => b.cls === 'cell max')?.h);
    expect(await page.getByTestId('cell-spread').textContent()).toBe(`spread ${((max - min) * 1000).toFixed(0)} mV`);
  });

  it('charts pack voltage, current, SoC and temperatures exactly as the API served them, and paints them', async () => {
    const series = await open(page, 'pack-1');
    expect(series.telemetry.t.length).toBeGreaterThan(100);
    const voltage = await chartState(page, 'pack-voltage', BLUE);
    expect(voltage?.data).toEqual([series.telemetry.t, series.telemetry.packVoltageV]);
    expect(voltage!.yMin).toBeLessThanOrEqual(Math.min(...series.telemetry.packVoltageV));
    expect(voltage!.yMax).toBeGreaterThanOrEqual(Math.max(...series.telemetry.packVoltageV));
    expect(voltage!.painted).toBeGreaterThan(200);
    expect((await chartState(page, 'soc', [46, 125, 50]))?.data[1]).toEqual(series.telemetry.socPct);
    expect((await chartState(page, 'current', [106, 63, 181]))?.data[1]).toEqual(series.telemetry.packCurrentA);
    const temps = await chartState(page, 'temperatures', [198, 40, 40]);
    expect(temps?.data.slice(1)).toEqual([series.telemetry.tempMinC, series.telemetry.tempMaxC]);
    expect(temps?.labels).toEqual(['Time', 'min', 'max']);
    expect(temps!.painted).toBeGreaterThan(100);
    // The window is the last 6 h of the gateway's clock.
    expect(series.to).toBe(END);
    expect(series.telemetry.t.every((t: number) => t * 1000 >= END - 6 * 3_600_000)).toBe(true);
  });

  it('charts prediction trends, one line per confidence level (or "basis not reported")', async () => {
    const series = await open(page, 'pack-1');
    const failure = series.predictions.find((p: any) => p.model === 'failure_pack' && p.output === 'failure_probability');
    expect(failure.t.length).toBeGreaterThan(10);
    // The page's split of the trend: one line per level present, in this order, each holding only its points.
    const levels: Array<[string | null, string, [number, number, number]]> = [
      ['high', 'high confidence', [46, 125, 50]], ['medium', 'medium', [199, 120, 0]], ['low', 'low', [138, 148, 166]], [null, 'basis not reported', BLUE],
    ];
    const present = levels.filter(([level]) => failure.confidence.includes(level));
    expect(present.length).toBeGreaterThan(0);
    const chart = await chartState(page, 'prediction:failure_pack:failure_probability', present[0]![2]);
    expect(chart?.labels).toEqual(['Time', ...present.map(([, label]) => label)]);
    expect(chart?.data).toEqual([failure.t, ...present.map(([level]) => failure.v.map((v: number, i: number) => (failure.confidence[i] === level ? v : null)))]);
    expect(chart!.painted).toBeGreaterThan(20);
    const basis = await page.getByTestId('prediction-basis').first().textContent();
    if (present.length === 1 && present[0]![0] === null) expect(basis).toBe('basis not reported');
    else expect(basis).toMatch(/^(high|medium|low) confidence · [\d.]+ h of history/);
  });

  it('shows a prediction basis where present: confidence colours the trend, history and missing inputs are named', async () => {
    const ts = END - 1000;
    gateway.commit([0.2, 0.3].map((p, i): PendingRecord => ({
      gatewayId: 'gw-demo', deviceId: 'pack-1', deviceKind: 'battery', source: 'simulator', ts: ts + i, clockTrusted: true, type: 'prediction',
      prediction: { model: 'rul_capacity', modelVersion: '3.1.0', outputs: { remaining_cycles: 800 - i * 10 }, inputsTs: ts + i,
        basis: { historyH: 3.5 + i, missingInputs: ['capacity_trend'], confidence: i === 0 ? 'low' : 'medium' } },
    })));
    await open(page, 'pack-1');
    const chart = await chartState(page, 'prediction:rul_capacity:remaining_cycles', BLUE);
    expect(chart?.labels).toEqual(['Time', 'medium', 'low']);
    expect(chart?.data.slice(1)).toEqual([[null, 790], [800, null]]);
    // The model cell, not any text: the maintenance row names rul_capacity among its missing inputs.
    const row = page.getByTestId('prediction').filter({ has: page.locator('td', { hasText: /^rul_capacity / }) });
    expect(await row.getByTestId('basis').textContent()).toBe('medium confidence · 4.5 h of history · missing: capacity_trend');
  });

  it('shows the charger: power and OCPP connector status history', async () => {
    const series = await open(page, 'charger-1');
    const power = await chartState(page, 'power', [106, 63, 181]);
    expect(power?.data[1]).toEqual(series.telemetry.powerW.map((w: number | null) => (w === null ? null : w / 1000)));
    const connector = await chartState(page, 'connector', BLUE);
    expect(connector?.data[1]).toEqual(series.telemetry.connector);
    // Sessions come and go in the window: the chart shows the connector changing state.
    const names = new Set(series.telemetry.connector.map((i: number) => series.connectorStatuses[i]));
    expect(names.size).toBeGreaterThanOrEqual(2);
    expect([...names].every((n) => typeof n === 'string')).toBe(true);
    const latest = await getJson('/api/devices/charger-1/latest');
    expect(await page.getByTestId('connector').textContent()).toBe(latest.telemetry.charger.connectorStatus);
  });

  it('puts every alarm of the window on the timeline at its severity, and lists them', async () => {
    const series = await open(page, 'pack-2');
    expect(series.alarms.length).toBeGreaterThanOrEqual(2);
    const timeline = await chartState(page, 'alarms', [198, 40, 40]);
    const sorted = [...series.alarms].sort((a: any, b: any) => a.ts - b.ts);
    expect(timeline?.data[0]).toEqual(sorted.map((a: any) => a.ts / 1000));
    expect(timeline?.data[1]).toEqual(sorted.map((a: any) => (a.severity === 'critical' ? 2 : null)));
    expect(timeline?.data[2]).toEqual(sorted.map((a: any) => (a.severity === 'warning' ? 1 : null)));
    expect(await page.getByTestId('device-alarms').locator('tr').count()).toBe(series.alarms.length);
    expect(await page.getByTestId('alarm-flags').textContent()).toMatch(/pack_overtemperature/);
    const sinks = await page.getByTestId('sink').evaluateAll((els) => els.map((el) => [el.getAttribute('data-sink'), Number(el.getAttribute('data-lag-s'))]));
    expect(sinks).toEqual([['timescale', expect.any(Number)], ['mqtt', expect.any(Number)]]);
    expect(sinks[1]![1]).toBeGreaterThanOrEqual(40 * 60 - 20);
    const stats = await getJson('/api/status');
    expect(Number(await page.getByTestId('buffer-fill').getAttribute('data-pct'))).toBeCloseTo((100 * stats.buffer.usedBytes) / stats.buffer.maxBytes, 1);
  });

  it('keeps text from devices and model cards as text: injected markup never becomes an element', async () => {
    const evil = '<img src=x onerror="window.__xss=1">';
    const head = { gatewayId: 'gw-demo', source: 'simulator' as const, ts: END - 500, clockTrusted: true };
    gateway.commit([
      { ...head, deviceId: 'pack-1', deviceKind: 'battery', type: 'alarm', alarm: { rule: evil, severity: 'critical', message: `cell ${evil}` } },
      { ...head, deviceId: 'pack-1', deviceKind: 'battery', type: 'prediction',
        prediction: { model: evil, modelVersion: evil, outputs: { [evil]: 1 }, inputsTs: head.ts, basis: { historyH: 1, missingInputs: [evil], confidence: 'low' } } },
      { ...head, ts: END, deviceId: 'pack-1', deviceKind: 'battery', type: 'battery',
        battery: { packVoltageV: 50, cellVoltagesV: [3.3, 3.31], alarmFlags: [evil] } },
      { ...head, ts: END, deviceId: 'charger-1', deviceKind: 'charger', type: 'charger',
        charger: { connectorStatus: evil as never, powerW: 1, errorCodes: [evil as never] } },
    ] as PendingRecord[]);
    for (const device of ['pack-1', 'charger-1']) {
      await open(page, device);
      const found = await page.evaluate(() => {
        const doc = (globalThis as any).document;
        return { imgs: doc.querySelectorAll('img').length as number, xss: (globalThis as any).__xss ?? null, text: doc.body.innerText as string };
      });
      expect(found.imgs).toBe(0);
      expect(found.xss).toBeNull();
      expect(found.text).toContain(evil); // shown literally, in the alarm list at least
    }
    await open(page, 'pack-1');
    expect(await page.getByTestId('alarm-flags').textContent()).toBe(evil);
    const title = await page.evaluate((key) => {
      const charts: any[] = [...(globalThis as any).document.querySelectorAll('[data-chart]')];
      return charts.find((el) => el.dataset.chart === key)?.querySelector('.u-title')?.textContent as string | undefined;
    }, `prediction:${evil}:${evil}`);
    expect(title).toBe(`${evil} ${evil} · ${evil}`);
  });
});
