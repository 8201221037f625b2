/**
 * `ev-edge buffer status`: what the buffer holds and how far behind each sink is, read from the
 * SQLite file without writing to it, so it is safe to run beside the agent (the agent keeps
 * writing; this reads one consistent snapshot).
 */
import { enabledSinkNames } from '../../sync/config.js';
import { join } from 'node:path';
import { SystemClock } from '../../core/clock.js';
import { ConfigError, loadConfig } from '../../config/load.js';
import type { AgentConfig } from '../../config/schema.js';
import { BUFFER_FILE_NAME, BufferOpenError, RecordBuffer, type BufferStats } from '../../sync/buffer/index.js';
import { parseFlags } from '../../core/flags.js';
import type { Command } from './command.js';

export interface StatusIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Wall clock for the lag column (ms since the epoch). */
  now: () => number;
  env: NodeJS.ProcessEnv;
}

/** Sinks the agent drains: a present block under `sinks:` runs unless `enabled: false`. */
export function configuredSinkNames(config: AgentConfig): string[] {
  return enabledSinkNames(config.sinks);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** "3d 4h", "5m 12s", "800ms": the two largest units are enough to judge a lag. */
export function formatDuration(ms: number): string {
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const parts: Array<[number, string]> = [[86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'm'], [1000, 's']];
  const out: string[] = [];
  let rest = ms;
  for (const [size, unit] of parts) {
    const n = Math.floor(rest / size);
    if (n > 0 || out.length > 0) out.push(`${n}${unit}`);
    rest -= n * size;
    if (out.length === 2) break;
  }
  return out.join(' ');
}

const iso = (ts: number | null): string => (ts === null ? '-' : new Date(ts).toISOString());

export function formatStatus(path: string, stats: BufferStats, now: number): string {
  const pct = stats.maxBytes > 0 ? ((100 * stats.usedBytes) / stats.maxBytes).toFixed(1) : '?';
  const drops = Object.entries(stats.dropped).map(([key, n]) => `${key} ${n}`);
  const lines = [
    `buffer   ${path}`,
    `rows     ${stats.rows}`,
    `used     ${formatBytes(stats.usedBytes)} of ${formatBytes(stats.maxBytes)} cap (${pct}%)${stats.usedBytes > stats.maxBytes ? '  OVER CAP: only alarms/predictions left' : ''}`,
    `on disk  ${formatBytes(stats.fileBytes)} (database + WAL)`,
    `oldest   ${iso(stats.oldestTs)}`,
    `newest   ${iso(stats.newestTs)}`,
    `dropped  ${drops.length > 0 ? drops.join(', ') : 'none'}`,
  ];
  if (stats.sinks.length === 0) {
    lines.push('sinks    none configured (every record counts as delivered)');
    return `${lines.join('\n')}\n`;
  }
  const rows = [
    ['SINK', 'CURSOR', 'PENDING', 'LAG', 'DEAD LETTERS'],
    ...stats.sinks.map((s) => [
      s.sink, String(s.cursor), String(s.pending), s.oldestUnsentTs === null ? '-' : formatDuration(now - s.oldestUnsentTs), String(s.deadLetters),
    ]),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] as string).length)));
  lines.push('');
  for (const row of rows) lines.push(row.map((cell, col) => cell.padEnd(widths[col] as number)).join('  ').trimEnd());
  return `${lines.join('\n')}\n`;
}

/** The command's body, with its I/O injected for tests. Exit codes as in the usage text. */
export async function bufferStatus(args: string[], io: StatusIO): Promise<number> {
  const { flags, positionals } = parseFlags(args, ['json']);
  const configFile = flags.get('config');
  if (positionals.length > 0 || configFile === true) {
    io.err('ev-edge buffer status: expected [--config FILE] [--json] (see --help)\n');
    return 2;
  }
  let config: AgentConfig;
  try {
    config = loadConfig(configFile, io.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`${err.message}\n`);
    return 2;
  }
  const path = join(config.data_dir, BUFFER_FILE_NAME);
  let buffer: RecordBuffer;
  try {
    buffer = RecordBuffer.open({
      path, readOnly: true, sinks: configuredSinkNames(config), clock: new SystemClock(),
      maxBytes: config.buffer.max_bytes, synchronous: config.buffer.synchronous, retentionMs: config.buffer.retention_hours * 3_600_000,
    });
  } catch (err) {
    if (!(err instanceof BufferOpenError)) throw err;
    io.err(`ev-edge buffer status: ${err.message} [${err.reason}]\n`);
    return 1;
  }
  try {
    const stats = buffer.stats();
    const now = io.now();
    if (flags.get('json') === true) {
      const sinks = stats.sinks.map((s) => ({ ...s, lagMs: s.oldestUnsentTs === null ? null : now - s.oldestUnsentTs }));
      io.out(`${JSON.stringify({ path, ...stats, sinks })}\n`);
    } else {
      io.out(formatStatus(path, stats, now));
    }
    return 0;
  } finally {
    buffer.close();
  }
}

export const bufferStatusCommand: Command = {
  name: 'buffer status',
  summary: 'show what the buffer holds and how far behind each sink is',
  usage: `ev-edge buffer status [--config FILE] [--json]

Opens <data_dir>/${BUFFER_FILE_NAME} read-only (safe while the agent runs) and prints: rows, used
bytes against the cap, bytes on disk, oldest/newest record time, records dropped by the cap (by
reason:type), and per configured sink its cursor (every id up to it is delivered), pending records,
lag (age of the oldest record it has not delivered) and dead letters. Without --config the built-in
default config is used; EV_EDGE__* environment overrides apply. --json prints one JSON object
(the same numbers, times in ms since the epoch, lagMs per sink).
Exit codes: 0 printed, 1 the buffer file is missing or unreadable, 2 bad usage or config.`,
  run: (args) =>
    bufferStatus(args, {
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
      now: () => Date.now(),
      env: process.env,
    }),
};
