/**
 * Live capture: there is no (v)can interface on the CI machine, so the frame flow runs against a
 * fake socketcan module, and the real package is exercised as far as it goes without one (it loads
 * and refuses an interface that does not exist).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { ManualClock } from '../../core/clock.js';
import { CanDriver } from './can-driver.js';
import { canConfigSchema } from './config.js';
import { CanSourceError } from './errors.js';
import { loadSocketCan, MAX_RX_FILTERS, rxFiltersFor, type RawChannel, type SocketCanMessage, type SocketCanModule } from './socketcan-source.js';
import { recordingContext } from './testdata/fake-context.js';

const dir = mkdtempSync(join(tmpdir(), 'ev-edge-can-live-'));
const dbc = join(dir, 'pack.dbc');
writeFileSync(dbc, 'BO_ 256 Pack: 4 BMS\n SG_ Volts : 0|16@1+ (0.1,0) [0|0] "V" X\n SG_ Amps : 16|16@1- (0.1,0) [0|0] "A" X\n');
const config = (iface: string) => canConfigSchema.parse({ interface: iface, dbc, map: { packVoltageV: 'Volts', packCurrentA: { signal: 'Amps', scale: -1 } }, signal_max_age_ms: 1000 });

class FakeChannel implements RawChannel {
  readonly listeners: { onMessage: Array<(m: SocketCanMessage) => void>; onStopped: Array<() => void> } = { onMessage: [], onStopped: [] };
  started = false;
  stopped = false;
  filters: Array<{ id: number; mask: number }> | undefined;
  setRxFilters(filters: Array<{ id: number; mask: number }>): void {
    this.filters = filters;
  }
  addListener(event: 'onMessage' | 'onStopped', listener: never): void {
    this.listeners[event].push(listener);
  }
  start(): void {
    this.started = true;
  }
  stop(): void {
    this.stopped = true;
  }
  receive(m: SocketCanMessage): void {
    for (const l of this.listeners.onMessage) l(m);
  }
}

describe('live capture through a fake socketcan module', () => {
  it('decodes received frames into hardware records, goes stale, fails when the interface stops', async () => {
    const channel = new FakeChannel();
    const opened: string[] = [];
    const fake: SocketCanModule = { createRawChannel: (iface) => (opened.push(iface), channel) };
    const ctx = recordingContext();
    const driver = new CanDriver({ config: config('can7'), intervalMs: 20, loadSocketCan: async () => fake });
    await driver.start(ctx);
    expect(opened).toEqual(['can7']);
    expect(channel.started).toBe(true);
    // Only the mapped message (0x100, standard) passes the kernel's filter.
    expect(channel.filters).toEqual([{ id: 0x100, mask: 0x800007ff }]);
    // 0x0EE8 = 3816 -> 381.6 V; 0xFFF6 = -10 -> -1.0 A, flipped by scale -1 -> +1.0 A (charging).
    channel.receive({ id: 0x100, data: Uint8Array.from([0xe8, 0x0e, 0xf6, 0xff]) });
    channel.receive({ id: 0x100, rtr: true, data: Uint8Array.from([0, 0, 0, 0]) }); // remote: ignored
    channel.receive({ id: 0x100, err: true, data: Uint8Array.from([0, 0, 0, 0]) }); // error frame: ignored
    await vi.waitFor(() => expect(ctx.readings.length).toBeGreaterThan(0), { timeout: 5000 });
    expect(ctx.readings[0]).toEqual({ source: 'hardware', body: { type: 'battery', battery: { packVoltageV: 381.6, packCurrentA: 1, powerW: 381.6 } } });
    // Let the values age past signal_max_age_ms on the driver's clock: no more records, state stale.
    (ctx.clock as ManualClock).advance(1001);
    await vi.waitFor(() => expect(ctx.states.at(-1)).toBe('stale'), { timeout: 5000 });
    const count = ctx.readings.length;
    channel.receive({ id: 0x100, data: Uint8Array.from([0xe9, 0x0e, 0x00, 0x00]) });
    await vi.waitFor(() => expect(ctx.states.at(-1)).toBe('running'), { timeout: 5000 });
    expect(ctx.readings.length).toBeGreaterThan(count);
    for (const l of channel.listeners.onStopped) l();
    expect(ctx.states.at(-1)).toBe('failed');
    expect(ctx.errors).toContainEqual({ reason: 'interface_stopped', detail: { iface: 'can7' } });
    await driver.stop();
    expect(channel.stopped).toBe(true);
    const after = ctx.readings.length;
    await new Promise((r) => setTimeout(r, 60));
    expect(ctx.readings.length).toBe(after); // the interval timer is gone
  });

  it('builds exact-match kernel filters: standard ids never match extended frames, and too many mean none', () => {
    // linux/can.h: CAN_EFF_FLAG 0x80000000, CAN_SFF_MASK 0x7FF, CAN_EFF_MASK 0x1FFFFFFF.
    expect(rxFiltersFor([0x542, 0x1_0000_0000 + 0x18fef100])).toEqual([
      { id: 0x542, mask: 0x800007ff },
      { id: 0x98fef100, mask: 0x9fffffff },
    ]);
    expect(rxFiltersFor([])).toBeUndefined();
    expect(rxFiltersFor(Array.from({ length: MAX_RX_FILTERS + 1 }, (_, i) => i))).toBeUndefined();
  });

  it('explains a missing socketcan package with a CanSourceError', async () => {
    const err = await loadSocketCan(() => Promise.reject(new Error("Cannot find package 'socketcan'"))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CanSourceError);
    expect((err as Error).message).toMatch(/optional "socketcan" package is not installed/);
  });
});

const haveSocketcan = await import('socketcan').then(
  () => true,
  () => false,
);

describe.skipIf(!haveSocketcan)(`the real socketcan package${haveSocketcan ? '' : ' (SKIPPED: optional socketcan package not installed)'}`, () => {
  it('loads, and a missing interface fails start with a CanSourceError naming it', async () => {
    const driver = new CanDriver({ config: config('evedgenone0'), intervalMs: 1000 });
    expect(await driver.probe()).toBe(false);
    const err = await driver.start(recordingContext()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CanSourceError);
    expect((err as Error).message).toMatch(/^evedgenone0: cannot open CAN interface/);
    await driver.stop();
  });
});
