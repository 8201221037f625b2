import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../core/clock.js';
import { BUFFER_FILE_NAME, RecordBuffer } from '../../sync/buffer/index.js';
import { batteryRecord, tempDir } from '../../sync/buffer/test-support.js';
import { bufferStatus, formatBytes, formatDuration } from './buffer-status.js';

const T0 = Date.parse('2026-06-01T00:00:00Z');

describe('ev-edge buffer status', () => {
  let dir: string;
  let cleanup: () => void;
  let configFile: string;
  let out: string;
  let err: string;
  const io = (now = T0) => ({ out: (t: string) => void (out += t), err: (t: string) => void (err += t), now: () => now, env: {} });

  beforeEach(() => {
    ({ dir, cleanup } = tempDir('ev-edge-buffer-status-'));
    configFile = join(dir, 'ev-edge.yaml');
    out = '';
    err = '';
  });
  afterEach(() => cleanup());

  function writeConfig(sinks: string): void {
    writeFileSync(configFile, `data_dir: ${JSON.stringify(dir)}\nbuffer: { max_bytes: 1MiB }\nsinks: ${sinks}\n`);
  }

  /** A live writer, as the agent would hold it: mqtt has everything, timescale is behind. */
  function liveBuffer(): RecordBuffer {
    const buffer = RecordBuffer.open({
      path: join(dir, BUFFER_FILE_NAME), maxBytes: 1024 * 1024, synchronous: 'full', retentionMs: 0,
      sinks: ['timescale', 'mqtt'], clock: new ManualClock(T0),
    });
    buffer.append(Array.from({ length: 5 }, (_, i) => batteryRecord('pack-1', T0 + i * 1000, i)));
    buffer.ack('mqtt', [1, 2, 3, 4, 5]);
    buffer.deadLetter('timescale', [{ id: 1, reason: 'value out of range' }]);
    buffer.ack('timescale', [2]);
    return buffer;
  }

  // Sinks are listed in the config schema's order (timescale, mqtt, kafka), not the file's.
  it('prints totals and one line per configured sink, beside a live writer', async () => {
    writeConfig('{ mqtt: {}, timescale: {}, kafka: { enabled: false } }');
    const buffer = liveBuffer();
    const stats = buffer.stats();
    expect(await bufferStatus(['--config', configFile], io(T0 + 5 * 60_000 + 2000))).toBe(0);
    buffer.close();
    expect(err).toBe('');
    expect(out).toBe(
      [
        `buffer   ${join(dir, BUFFER_FILE_NAME)}`,
        'rows     5',
        `used     ${formatBytes(stats.usedBytes)} of 1.0 MiB cap (${((100 * stats.usedBytes) / 1048576).toFixed(1)}%)`,
        `on disk  ${formatBytes(stats.fileBytes)} (database + WAL)`,
        'oldest   2026-06-01T00:00:00.000Z',
        'newest   2026-06-01T00:00:04.000Z',
        'dropped  none',
        '',
        'SINK       CURSOR  PENDING  LAG    DEAD LETTERS',
        'timescale  2       3        5m 0s  1',
        'mqtt       5       0        -      0',
        '',
      ].join('\n'),
    );
  });

  it('prints the same numbers as JSON with the lag in ms', async () => {
    writeConfig('{ mqtt: {}, timescale: {} }');
    liveBuffer().close();
    expect(await bufferStatus([`--config=${configFile}`, '--json'], io(T0 + 10_000))).toBe(0);
    const json = JSON.parse(out) as Record<string, unknown>;
    expect(json).toMatchObject({
      path: join(dir, BUFFER_FILE_NAME), rows: 5, maxBytes: 1048576, oldestTs: T0, newestTs: T0 + 4000, dropped: {},
      sinks: [
        { sink: 'timescale', cursor: 2, pending: 3, oldestUnsentTs: T0 + 2000, lagMs: 8000, deadLetters: 1 },
        { sink: 'mqtt', cursor: 5, pending: 0, oldestUnsentTs: null, lagMs: null, deadLetters: 0 },
      ],
    });
  });

  it('shows drop counts and a buffer without sinks', async () => {
    writeConfig('{}');
    const buffer = RecordBuffer.open({ path: join(dir, BUFFER_FILE_NAME), maxBytes: 64 * 1024, synchronous: 'normal', retentionMs: 0, sinks: [], clock: new ManualClock(T0) });
    for (let i = 0; i < 40; i++) buffer.append(Array.from({ length: 20 }, (_, j) => batteryRecord('pack-1', T0 + i * 20 + j, j)));
    const dropped = buffer.stats().dropped['buffer_full:battery'];
    buffer.close();
    expect(dropped).toBeGreaterThan(0);
    expect(await bufferStatus(['--config', configFile], io())).toBe(0);
    expect(out).toContain(`\ndropped  buffer_full:battery ${dropped}\n`);
    expect(out).toContain('\nsinks    none configured (every record counts as delivered)\n');
  });

  it('exits 1 naming the file when there is no buffer, 2 on a bad config or usage', async () => {
    writeConfig('{}');
    expect(await bufferStatus(['--config', configFile], io())).toBe(1);
    expect(err).toContain(join(dir, BUFFER_FILE_NAME));
    expect(err).toContain('[missing]');
    err = '';
    writeFileSync(configFile, 'buffer: { max_bytes: lots }\n');
    expect(await bufferStatus(['--config', configFile], io())).toBe(2);
    expect(err).toContain('buffer.max_bytes');
    expect(await bufferStatus(['extra'], io())).toBe(2);
  });

  it('formats sizes and durations for people', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(512 * 1024 ** 2)]).toEqual(['512 B', '1.5 KiB', '512.0 MiB']);
    expect([formatDuration(800), formatDuration(312_000), formatDuration(3 * 86_400_000 + 4 * 3_600_000 + 5000)]).toEqual(['800ms', '5m 12s', '3d 4h']);
  });
});
