/**
 * The reachability probe behind `Sink.probe()`: one TCP connection that opens no session (no TLS
 * handshake, no authentication, no client id), closed at once. It answers "does something at this
 * address take connections and answer like the upstream?", which is what the drain loop needs to
 * notice an upstream's return within seconds without paying a full connect each time.
 *
 * - With a `hello` (a request the protocol answers before authentication, e.g. Kafka's
 *   ApiVersions or PostgreSQL's SSLRequest) the probe succeeds only once the answer arrives, so a
 *   hung server whose kernel still accepts TCP (SIGSTOP, a wedged process) counts as unreachable.
 * - Without one (MQTT: its first packet must be CONNECT, which would open a session) the probe
 *   succeeds when the connection is still open `settleMs` after it was accepted: a load balancer
 *   or proxy with no backend accepts and resets at once, and counts as unreachable.
 * - The timeout is capped at PROBE_TIMEOUT_CAP_MS: a SYN the network dropped is retried by Linux
 *   only after 1, 3, 7 ... s, so a fresh probe finds a healed path sooner than a long-waiting one.
 */
import { connect, type Socket } from 'node:net';

export const PROBE_TIMEOUT_CAP_MS = 2000;
/** How long an accepted connection must stay open to count, when the protocol has no hello. */
export const PROBE_SETTLE_MS = 100;

export type ProbeTarget = { host: string; port: number } | { path: string };

export interface ProbeHello {
  request: Buffer;
  /** True once `received` (every byte so far) holds the upstream's answer. */
  answered(received: Buffer): boolean;
}

export interface ProbeOptions {
  /** The sink's connect timeout; the probe uses at most PROBE_TIMEOUT_CAP_MS of it. */
  timeoutMs: number;
  hello?: ProbeHello;
  settleMs?: number;
}

export function describeTarget(t: ProbeTarget): string {
  return 'path' in t ? t.path : `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
}

/** Resolves when the target answers (see the module comment); rejects naming the target and the cause. */
export function probeTcp(target: ProbeTarget, options: ProbeOptions): Promise<void> {
  const timeoutMs = Math.min(options.timeoutMs, PROBE_TIMEOUT_CAP_MS);
  const where = describeTarget(target);
  return new Promise<void>((resolve, reject) => {
    let received = Buffer.alloc(0);
    let settleTimer: NodeJS.Timeout | undefined;
    const socket: Socket = 'path' in target ? connect(target.path) : connect(target.port, target.host);
    const finish = (err?: string): void => {
      clearTimeout(timer);
      clearTimeout(settleTimer);
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      if (err) reject(new Error(`probe ${where}: ${err}`));
      else resolve();
    };
    const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.once('error', (e) => finish(e.message));
    socket.once('close', () => finish('connection closed by the peer'));
    socket.once('connect', () => {
      if (options.hello) socket.write(options.hello.request);
      else settleTimer = setTimeout(() => finish(), options.settleMs ?? PROBE_SETTLE_MS);
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (options.hello?.answered(received)) finish();
    });
  });
}

/** Resolves as soon as one target answers; rejects with every target's cause when none does. */
export async function probeAny(targets: readonly ProbeTarget[], options: ProbeOptions): Promise<void> {
  try {
    await Promise.any(targets.map((t) => probeTcp(t, options)));
  } catch (err) {
    const causes = err instanceof AggregateError ? err.errors.map((e: unknown) => String((e as Error).message ?? e)) : [String(err)];
    throw new Error(causes.join('; '));
  }
}
