/**
 * A Sink around a real sink that counts thrown connects and writes and times the first delivery
 * after `watch()`: how the outage test and the recovery bench see when an upstream's return
 * reached the drain loop. Our own interface only; no test framework imports (the bench runs it
 * from dist/).
 */
import type { EdgeRecord } from '../../core/record.js';
import type { Sink, WriteResult } from '../sink.js';

export class ObservedSink implements Sink {
  readonly name: string;
  /** Thrown connects and writes since construction. */
  failures = 0;
  /** performance.now() of the first write with a delivered record after watch(). */
  firstDeliveredAt: number | undefined;
  private watching = false;

  constructor(private readonly inner: Sink) {
    this.name = inner.name;
  }

  /** From now on, remember when the next delivered record comes back. */
  watch(): void {
    this.watching = true;
    this.firstDeliveredAt = undefined;
  }

  async connect(): Promise<void> {
    await this.inner.connect().catch((err: unknown) => this.fail(err));
  }

  async write(batch: readonly EdgeRecord[]): Promise<WriteResult[]> {
    // A frozen Kafka cluster still lets kafkajs connect; its writes are what fail.
    const results = await this.inner.write(batch).catch((err: unknown) => this.fail(err));
    if (this.watching && results.some((r) => r.status === 'delivered')) {
      this.firstDeliveredAt = performance.now();
      this.watching = false;
    }
    return results;
  }

  probe(): Promise<void> {
    return this.inner.probe();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private fail(err: unknown): never {
    this.failures++;
    throw err;
  }
}
