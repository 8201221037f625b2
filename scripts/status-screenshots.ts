/**
 * `npm run screenshots`: the status page's screenshots in docs/ (README "Local status page"),
 * taken in headless Chromium on a phone-sized viewport from the demo gateway
 * (agent/status/demo-gateway.ts: simulated, scored, fixed clock, so every run draws the same data).
 *   docs/status-pack.png     pack-1: newest values, cell bars, first history charts
 *   docs/status-charger.png  charger-1: power and connector status history
 *   docs/status-alarm.png    pack-2 during a cooling failure and an internal short: temperatures,
 *                            predictions, the alarm timeline and list
 * Each is a phone-width slice (390 x up to 1000 CSS px) starting at an anchor element, to keep
 * the files small; open the demo gateway in a browser for the whole page.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumAvailable, launchChromium } from '../agent/status/chromium.js';
import { startDemoGateway } from '../agent/status/demo-gateway.js';
import { packageRoot } from '../agent/paths.js';

const SHOTS: Array<{ file: string; device: string; anchor: string }> = [
  { file: 'status-pack.png', device: 'pack-1', anchor: 'header' },
  { file: 'status-charger.png', device: 'charger-1', anchor: '#history' },
  { file: 'status-alarm.png', device: 'pack-2', anchor: '[data-chart="temperatures"]' },
];
const SLICE_H = 1000;

if (!chromiumAvailable()) {
  console.error('screenshots: /usr/bin/chromium is missing (apt-get install chromium)');
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'ev-edge-screenshots-'));
const gateway = await startDemoGateway(dir);
const browser = await launchChromium();
try {
  const page = await browser.context.newPage();
  for (const shot of SHOTS) {
    await page.goto(`${gateway.base}/#${shot.device}`);
    await page.waitForSelector(`#history[data-device="${shot.device}"] .uplot`);
    const path = join(packageRoot(), 'docs', shot.file);
    const box = await page.locator(shot.anchor).first().boundingBox();
    const y = Math.max(0, (box?.y ?? 0) - 8);
    const height = Math.min(SLICE_H, (await page.evaluate('document.documentElement.scrollHeight')) as number - y);
    await page.screenshot({ path, fullPage: true, clip: { x: 0, y, width: 390, height } });
    console.log(`screenshots: ${path}`);
  }
} finally {
  await browser.close();
  await gateway.stop();
  rmSync(dir, { recursive: true, force: true });
}
