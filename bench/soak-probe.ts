/**
 * What the soak's RSS is made of (issue 15): one sample of the agent's memory split into V8 heap,
 * external (Buffers/ArrayBuffers and other memory V8 is told about) and the rest, next to the
 * kernel's view of anonymous vs file-backed resident pages. Anonymous minus V8 heap minus external
 * is native memory nobody reports to V8: malloc arenas, onnxruntime, SQLite's page cache, the JIT.
 * File-backed pages are the mapped binaries and shared libraries (and mmap'd files, if any).
 * The `[heap]` mapping is glibc's main malloc arena (brk): what the main thread mallocs (SQLite's
 * page cache, Buffers' backing stores, onnxruntime when it runs there); freed memory inside it is
 * kept resident until malloc trims the top, so fragmentation shows there.
 */
import { readFileSync } from 'node:fs';

export interface MemorySample {
  /** V8 heap used / committed, external memory: from prom-client's default metrics. */
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  /** process_resident_memory_bytes as the agent reports it. */
  residentMb: number;
  /** /proc/PID/smaps_rollup: anonymous and file-backed resident pages (Pss_File, the agent being alone). */
  anonMb: number;
  fileMb: number;
  /** Resident part of the `[heap]` mapping in /proc/PID/smaps (glibc's main arena). */
  brkHeapMb: number;
}

export const MEMORY_SAMPLE_COLUMNS = 'heapUsedMb heapTotalMb externalMb residentMb anonMb fileMb brkHeapMb';

const MB = 1024 * 1024;

function gauge(metrics: string, name: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

function smapsKb(rollup: string, field: string): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? Number.NaN);
}

function brkHeapKb(smaps: string): number {
  const at = smaps.indexOf(' [heap]\n');
  return at < 0 ? 0 : Number(/^Rss:\s+(\d+) kB/m.exec(smaps.slice(at))?.[1] ?? Number.NaN);
}

export async function memorySample(port: number, pid: number): Promise<MemorySample> {
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return {
    heapUsedMb: gauge(metrics, 'nodejs_heap_size_used_bytes') / MB,
    heapTotalMb: gauge(metrics, 'nodejs_heap_size_total_bytes') / MB,
    externalMb: gauge(metrics, 'nodejs_external_memory_bytes') / MB,
    residentMb: gauge(metrics, 'process_resident_memory_bytes') / MB,
    anonMb: smapsKb(rollup, 'Anonymous') / 1024,
    fileMb: smapsKb(rollup, 'Pss_File') / 1024,
    brkHeapMb: brkHeapKb(readFileSync(`/proc/${pid}/smaps`, 'utf8')) / 1024,
  };
}

export function formatMemorySample(m: MemorySample): string {
  return [m.heapUsedMb, m.heapTotalMb, m.externalMb, m.residentMb, m.anonMb, m.fileMb, m.brkHeapMb].map((v) => v.toFixed(2)).join(' ');
}

/**
 * Least-squares slope (MB/h) of each part over the samples (hours, sample), and of `native`:
 * anonymous memory that is neither the committed V8 heap nor external memory.
 */
export function memorySlopes(samples: ReadonlyArray<readonly [number, MemorySample]>, slope: (points: Array<[number, number]>) => number): Record<string, number> {
  const of = (part: (m: MemorySample) => number): number => Number(slope(samples.map(([h, m]) => [h, part(m)])).toFixed(2));
  return {
    heapUsed: of((m) => m.heapUsedMb),
    heapTotal: of((m) => m.heapTotalMb),
    external: of((m) => m.externalMb),
    anon: of((m) => m.anonMb),
    file: of((m) => m.fileMb),
    brkHeap: of((m) => m.brkHeapMb),
    native: of((m) => m.anonMb - m.heapTotalMb - m.externalMb),
  };
}
