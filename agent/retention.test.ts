import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batteryRecord, openTestBuffer, tempDir } from '../sync/buffer/test-support.js';
import { applyRetentionInSlices } from './agent.js';

describe('housekeeping retention', () => {
  it('deletes every expired delivered row, slice by slice, yielding in between', async () => {
    const { dir, cleanup } = tempDir();
    const { buffer, clock } = openTestBuffer(join(dir, 'b.sqlite'), { sinks: [], retentionMs: 60_000 });
    try {
      for (let b = 0; b < 5; b++) buffer.append(Array.from({ length: 210 }, (_, i) => batteryRecord('p1', clock.now() + b * 210 + i)));
      clock.advance(3_600_000);
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 0);
      const deleted = await applyRetentionInSlices(buffer, 100);
      clearInterval(ticker);
      expect(deleted).toBe(1050);
      expect(buffer.stats().rows).toBe(0);
      expect(ticks).toBeGreaterThan(0); // the event loop ran between slices
    } finally {
      buffer.close();
      cleanup();
    }
  });
});
