import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SystemClock } from '../core/clock.js';
import { createSinkMetrics, createSinks, sinksSchema } from './index.js';
import { setSinkState } from './metrics.js';

const deps = { gatewayId: 'gw-1', log: pino({ level: 'silent' }), clock: new SystemClock() };

describe('sinks config and createSinks', () => {
  it('builds one sink per enabled block, with defaults filled in', () => {
    const config = sinksSchema.parse({ timescale: {}, mqtt: { enabled: false }, kafka: { brokers: ['k1:9092'] } });
    expect(createSinks(config, deps).map((s) => s.name)).toEqual(['timescale', 'kafka']);
    expect(config.timescale).toMatchObject({ batch_size: 500, backoff_initial_ms: 500, backoff_max_ms: 60_000, live_window_ms: 60_000, max_records_per_s: 0, port: 5432 });
    expect(config.kafka).toMatchObject({ topic: 'ev-telemetry', compression: 'gzip' });
    expect(createSinks(sinksSchema.parse({}), deps)).toEqual([]);
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
