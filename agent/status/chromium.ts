/**
 * Debian's Chromium driven by playwright-core, for the status page's browser tests and the
 * screenshot script. Headless, no network side traffic (no component updates, sync, first-run
 * pages), a fresh profile folder per launch (removed on close), and a phone-sized viewport: the
 * page is laid out for a technician holding a phone at the cabinet.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** An upright phone (iPhone 12-15 class CSS pixels). */
export const PHONE = { width: 390, height: 844 };

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

export async function launchChromium(viewport = PHONE): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'ev-edge-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    deviceScaleFactor: 1,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
