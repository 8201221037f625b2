import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SystemClock } from '../core/clock.js';
import { createDrainLoops, createSinkMetrics, createSinks, sinksSchema } from './index.js';
import { RecordBuffer } from './buffer/buffer.js';
import { setSinkState } from './metrics.js';

const deps = { gatewayId: 'gw-1', log: pino({ level: 'silent' }), clock: new SystemClock() };

describe('sinks config and createSinks', () => {
  it('builds one sink per enabled block, with defaults filled in', async () => {
    const config = sinksSchema.parse({ timescale: {}, mqtt: { enabled: false }, kafka: { brokers: ['k1:9092'] } });
    expect((await createSinks(config, deps)).map((s) => s.name)).toEqual(['timescale', 'kafka']);
    expect(config.timescale).toMatchObject({ batch_size: 500, backoff_initial_ms: 500, backoff_max_ms: 60_000, live_window_ms: 60_000, max_records_per_s: 0, port: 5432 });
    expect(config.kafka).toMatchObject({ topic: 'ev-telemetry', compression: 'gzip' });
    expect(await createSinks(sinksSchema.parse({}), deps)).toEqual([]);
  });

  it('the README example is valid and states the defaults', () => {
    const readme = readFileSync(join(import.meta.dirname, 'README.md'), 'utf8');
    const block = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    const documented = sinksSchema.parse((parse(block ?? '') as { sinks: unknown }).sinks);
    // Every key the README sets uncommented is the default: parsing it equals parsing empty blocks.
    expect(documented).toEqual(sinksSchema.parse({ timescale: {}, mqtt: {}, kafka: {} }));
  });

  it('reports every problem at once: unknown keys, bad values, both secrets', () => {
    const result = sinksSchema.safeParse({
      mqtt: { url: 'http://x', pasword: 'typo', password: 'a', password_file: '/run/secret' },
      timescale: { backoff_initial_ms: 5000, backoff_max_ms: 100, retention: 'forever' },
    });
    expect(result.success).toBe(false);
    const text = JSON.stringify(result.error?.issues);
    expect(text).toContain('pasword');
    expect(text).toContain('mqtt://');
    expect(text).toContain('retention');
    const both = sinksSchema.safeParse({ mqtt: { password: 'a', password_file: '/x' } });
    expect(JSON.stringify(both.error?.issues)).toContain('password or password_file');
    const order = sinksSchema.safeParse({ timescale: { backoff_initial_ms: 5000, backoff_max_ms: 100 } });
    expect(JSON.stringify(order.error?.issues)).toContain('backoff_initial_ms must not exceed');
  });

  it('drain loops log each sink name once per line (a child binding plus the loop field gave "sink" twice)', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const dir = mkdtempSync(join(tmpdir(), 'sinks-log-'));
    const clock = new SystemClock({ trust: 'always' });
    const buffer = RecordBuffer.open({ path: join(dir, 'b.sqlite'), maxBytes: 1 << 24, synchronous: 'normal', retentionMs: 0, sinks: ['mqtt'], clock });
    const config = sinksSchema.parse({ mqtt: { url: 'mqtt://127.0.0.1:1', probe_interval_ms: 0, backoff_initial_ms: 10 } });
    const sinks = await createSinks(config, { gatewayId: 'gw', log, clock });
    const [loop] = createDrainLoops(sinks, config, { buffer, clock, log, metrics: createSinkMetrics(new Registry()) });
    loop!.start();
    await new Promise((r) => setTimeout(r, 300)); // connect fails: a warning line with the sink name
    await loop!.stop();
    buffer.close();
    const drainLines = lines.filter((l) => l.includes('"sink"'));
    expect(drainLines.length).toBeGreaterThan(0);
    for (const line of drainLines) expect(line.match(/"sink":/g)).toHaveLength(1);
  });

  it('metric names and help pass promtool check metrics', async () => {
    const registry = new Registry();
    const metrics = createSinkMetrics(registry);
    setSinkState(metrics, 'mqtt', 'connected');
    metrics.lagSeconds.set({ sink: 'mqtt' }, 1.5);
    metrics.sent.inc({ sink: 'mqtt' }, 3);
    metrics.failed.inc({ sink: 'mqtt', reason: 'retry' });
    metrics.deadLettered.inc({ sink: 'mqtt' });
    metrics.batchDuration.observe({ sink: 'mqtt' }, 0.02);
    const text = await registry.metrics();
    const file = join(mkdtempSync(join(tmpdir(), 'promtool-')), 'metrics.txt');
    writeFileSync(file, text);
    // promtool exits non-zero on any lint problem; stdin is the metrics text.
    const out = execFileSync('sh', ['-c', `promtool check metrics < ${file} 2>&1; echo "exit=$?"`]).toString();
    expect(out.trim()).toBe('exit=0');
    expect(text).toContain('evedge_sink_state{sink="mqtt",state="connected"} 1');
    expect(text).toContain('evedge_sink_state{sink="mqtt",state="backoff"} 0');
  });
});
