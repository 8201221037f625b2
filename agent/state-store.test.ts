import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { StateStore } from './state-store.js';

const log = pino({ level: 'silent' });

describe('state store', () => {
  it('keeps values across close and reopen', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ev-edge-state-')), 'state.sqlite');
    const store = StateStore.open(path, log);
    store.put('scoring', { engines: { p1: { cycles: 12.5 } } });
    store.put('scoring', { engines: { p1: { cycles: 13 } } });
    store.close();
    const again = StateStore.open(path, log);
    expect(again.get('scoring')).toEqual({ engines: { p1: { cycles: 13 } } });
    expect(again.get('missing')).toBeUndefined();
    again.close();
  });

  it('moves a corrupt file aside and starts empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ev-edge-state-'));
    const path = join(dir, 'state.sqlite');
    writeFileSync(path, Buffer.alloc(8192, 0x5a));
    const store = StateStore.open(path, log);
    expect(store.get('scoring')).toBeUndefined();
    store.put('k', 1);
    store.close();
    expect(readdirSync(dir).some((f) => f.startsWith('state.sqlite.corrupt-'))).toBe(true);
  });
});
