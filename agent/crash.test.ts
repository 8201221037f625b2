/**
 * Crash safety of the whole agent: the real compiled daemon is killed with SIGKILL at random
 * moments, 20 times, while simulated devices stream into the buffer. The agent logs every
 * committed batch (debug level) AFTER the commit returns, so everything it reported is
 * "accepted" and must survive; afterwards each device's seqs must be exactly 1..N.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SystemClock } from '../core/clock.js';
import { cliBuilt, spawnAgent, tempAgentDir, exited } from './test-support.js';
import { RecordBuffer } from '../sync/buffer/index.js';

const KILLS = 20;
const DEVICES = ['crash-pack-1', 'crash-pack-2', 'crash-charger-1'];

describe.skipIf(!cliBuilt())('agent crash safety (needs `npm run build`)', () => {
  it(`keeps every accepted record exactly once across ${KILLS} SIGKILLs`, async () => {
    const { config, dataDir } = tempAgentDir(
      (data) => `data_dir: ${data}
log: { level: debug }
http: { listen: "127.0.0.1:0" }
buffer: { flush_interval_ms: 15, batch_max_records: 50 }
devices:
  - { id: ${DEVICES[0]}, kind: battery, driver: simulator, interval_ms: 10, simulator: { seed: 1, acceleration: 100, cells_series: 24 } }
  - { id: ${DEVICES[1]}, kind: battery, driver: simulator, interval_ms: 10, simulator: { seed: 2, acceleration: 100, chemistry: lfp } }
  - { id: ${DEVICES[2]}, kind: charger, driver: simulator, interval_ms: 10, simulator: { seed: 3, acceleration: 100 } }
`,
    );
    const reported = new Map<string, number>();
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < KILLS; i++) {
      const { child, lines, ready } = spawnAgent(['run', '--config', config]);
      await ready;
      await new Promise((r) => setTimeout(r, 50 + random() * 450));
      child.kill('SIGKILL');
      await exited(child);
      for (const line of lines) {
        if (!line.includes('"buffer commit"')) continue;
        const { lastSeq } = JSON.parse(line) as { lastSeq: Record<string, number> };
        for (const [device, seq] of Object.entries(lastSeq)) reported.set(device, Math.max(reported.get(device) ?? 0, seq));
      }
    }
    const buffer = RecordBuffer.open({
      path: join(dataDir, 'buffer.sqlite'), maxBytes: 1e9, synchronous: 'full', retentionMs: 1e12, sinks: [], clock: new SystemClock(),
    });
    try {
      let total = 0;
      for (const device of DEVICES) {
        const seqs = buffer.recent(device, 1_000_000).map((r) => r.seq).sort((a, b) => a - b);
        total += seqs.length;
        // Gap-free and duplicate-free: exactly 1..N.
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, k) => k + 1));
        // Every seq the agent reported as committed is there.
        expect(seqs.length).toBeGreaterThanOrEqual(reported.get(device) ?? Number.POSITIVE_INFINITY);
      }
      expect(buffer.stats().rows).toBe(total);
      expect(total).toBeGreaterThan(KILLS * 10);
    } finally {
      buffer.close();
    }
  });
});
