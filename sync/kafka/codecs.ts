/**
 * Kafka compression codecs, registered with kafkajs (which keeps ONE codec per type for the whole
 * process: the level is process-wide, and the last KafkaSink built sets it; the agent builds one).
 *
 * - gzip: kafkajs's own codec uses zlib's default level 6; level 9 is about 8 % smaller on the
 *   wire for about twice the CPU per record, small at gateway rates (bench/wire.bench.ts).
 * - zstd: @bokuweb/zstd-wasm (WebAssembly, nothing to compile or download at install, same on
 *   arm64 and x64), loaded only when configured. About 12 % smaller than gzip 9 at level 9 for
 *   the same CPU. Consumers need zstd support: Java clients, librdkafka (kcat, confluent-kafka)
 *   have it; kafkajs consumers need a codec registered.
 * Both are standard Kafka record-batch compression: consumers see the same messages.
 *
 * lz4 is not offered: on 16-cell battery batches it came out 30-100 % larger than gzip
 * (docs/BENCHMARKS.md, "Bytes on the wire"), which defeats the purpose on a metered link.
 */
import { promisify } from 'node:util';
import { gzip as gzipCb, unzip as unzipCb } from 'node:zlib';
import kafkajs from 'kafkajs';

// CompressionCodecs is a CommonJS export that Node's ESM loader does not expose by name.
const { CompressionCodecs, CompressionTypes } = kafkajs;
const gzip = promisify(gzipCb);
const unzip = promisify(unzipCb);

export type KafkaCompression = 'none' | 'gzip' | 'zstd';

export function compressionType(c: KafkaCompression): number {
  return c === 'gzip' ? CompressionTypes.GZIP : c === 'zstd' ? CompressionTypes.ZSTD : CompressionTypes.None;
}

/** Registers the codec for `compression` at `level` (before the first send). */
export async function registerCodec(compression: KafkaCompression, level: number): Promise<void> {
  if (compression === 'gzip') {
    CompressionCodecs[CompressionTypes.GZIP] = () => ({
      compress: (encoder: { buffer: Buffer }) => gzip(encoder.buffer, { level }),
      decompress: (buffer: Buffer) => unzip(buffer),
    });
  } else if (compression === 'zstd') {
    const zstd = await import('@bokuweb/zstd-wasm');
    await zstd.init();
    CompressionCodecs[CompressionTypes.ZSTD] = () => ({
      compress: async (encoder: { buffer: Buffer }) => Buffer.from(zstd.compress(encoder.buffer, level)),
      decompress: async (buffer: Buffer) => Buffer.from(zstd.decompress(buffer)),
    });
  }
}
