/**
 * A real Kafka protocol endpoint for tests and benchmarks: librdkafka's mock cluster, started by
 * Debian's kcat in consumer mode. The same kcat process consumes the topic from the beginning and
 * prints every message (`topic, partition, offset, key, headers, value`, tab separated, unbuffered)
 * so the test reads back what the cluster really stored.
 *
 * Outages: the mock cluster lives inside kcat, so killing it would lose the data. `pause()` freezes
 * the process (SIGSTOP): connections hang and requests time out, as in a network partition;
 * `resume()` (SIGCONT) brings it back with its data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface KafkaMessageSeen {
  topic: string;
  partition: number;
  key: string;
  headers: string;
  value: string;
}

export class MockKafka {
  readonly seen: KafkaMessageSeen[] = [];
  readonly counts = new Map<string, number>();
  private partial = '';
  /** The last lines kcat wrote to stderr (librdkafka's broker debug log), kept for a post-mortem. */
  private stderrTail: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly topic: string,
    startupLog: string,
  ) {
    // What kcat logged while starting counts too: a cluster killed right after start has no later lines.
    this.stderrTail = startupLog.split('\n').filter((l) => l.trim() !== '').slice(-20);
    child.stdout?.on('data', (chunk: Buffer) => this.consume(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim() !== ''));
      if (this.stderrTail.length > 40) this.stderrTail = this.stderrTail.slice(-20);
    });
  }

  /** null while the cluster runs; once kcat has exited, how (the cluster and its data are gone). */
  exitInfo(): { code: number | null; signal: string | null; stderrTail: string[] } | null {
    if (this.child.exitCode === null && this.child.signalCode === null) return null;
    return { code: this.child.exitCode, signal: this.child.signalCode, stderrTail: this.stderrTail.slice(-20) };
  }

  get broker(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** `readBack: false` (benchmarks): kcat consumes an idle topic, so reading costs no CPU. */
  static async start(topic = 'ev-telemetry', options: { readBack?: boolean } = {}): Promise<MockKafka> {
    const readBack = options.readBack ?? true;
    const child = spawn('kcat', ['-C', '-u', '-X', 'test.mock.num.brokers=1', '-b', 'localhost:1', '-t', readBack ? topic : '__ev_edge_idle', '-o', 'beginning',
      '-d', 'broker', '-f', '%t\\t%p\\t%k\\t%h\\t%s\\n'], { stdio: ['ignore', readBack ? 'pipe' : 'ignore', 'pipe'] });
    let stderr = '';
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kcat mock cluster did not start: ${stderr.slice(-500)}`)), 10_000);
      const onData = (d: Buffer): void => {
        stderr += d.toString();
        const m = /replaced with 127\.0\.0\.1:(\d+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          // Keep draining stderr (debug output) so kcat never blocks on a full pipe.
          child.stderr?.off('data', onData);
          child.stderr?.resume();
          resolve(Number(m[1]));
        }
      };
      child.stderr?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`kcat exited (${code}): ${stderr.slice(-500)}`)));
    });
    return new MockKafka(child, port, topic, stderr);
  }

  private consume(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const [topic, partition, key, headers, ...rest] = line.split('\t');
      if (topic === undefined || headers === undefined) continue;
      const msg = { topic, partition: Number(partition), key: key ?? '', headers, value: rest.join('\t') };
      this.seen.push(msg);
      const idem = /(?:^|,)ev-edge-key=([^,]*)/.exec(headers)?.[1];
      if (idem) this.counts.set(idem, (this.counts.get(idem) ?? 0) + 1);
    }
  }

  /** Waits until every idempotency key was consumed (or the timeout passed); counts for those keys. */
  async waitFor(keys: readonly string[], timeoutMs = 15_000): Promise<Map<string, number>> {
    const deadline = Date.now() + timeoutMs;
    while (keys.some((k) => !this.counts.has(k)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    return new Map(keys.filter((k) => this.counts.has(k)).map((k) => [k, this.counts.get(k) as number]));
  }

  /**
   * Returns once the kernel reports kcat stopped: the signal is delivered asynchronously, and a broker
   * thread still running on the other core answered a request sent right after kill() (seen as a
   * probe that succeeded 32 ms into an 'outage' on a loaded machine).
   */
  pause(): void {
    this.child.kill('SIGSTOP');
    const stat = `/proc/${this.child.pid}/stat`;
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline) {
      let state: string | undefined;
      try {
        state = /\) (\S)/.exec(readFileSync(stat, 'utf8'))?.[1];
      } catch {
        return; // no /proc (or kcat gone): nothing more to wait for
      }
      if (state === 'T' || state === 't') return;
    }
  }

  resume(): void {
    this.child.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.kill('SIGCONT');
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}
