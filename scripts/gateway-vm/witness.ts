/**
 * The power-cut witness, outside the VM: polls the agent's status API through the forwarded port
 * and keeps every record key the agent reported. /api/devices shows only records from committed
 * batches (agent/status/latest.ts), so whatever it reported must survive any later power cut.
 */
export class Witness {
  /** Every key reported, with the number of the cut it was seen before. */
  readonly seen = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private cut = 1;
  polls = 0;

  constructor(private readonly port: number) {}

  /** Starts polling for the run up to cut number `cut`. */
  start(cut: number, intervalMs = 100): void {
    this.cut = cut;
    const poll = async (): Promise<void> => {
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/api/devices`, { signal: AbortSignal.timeout(2000) });
        const body = (await res.json()) as { devices: { telemetry: { key: string } | null }[] };
        this.polls++;
        for (const d of body.devices) if (d.telemetry && !this.seen.has(d.telemetry.key)) this.seen.set(d.telemetry.key, this.cut);
      } catch {
        // Not up yet, or the VM is being cut: nothing reported, nothing to witness.
      }
      if (this.timer) this.timer = setTimeout(() => void poll(), intervalMs);
    };
    this.timer = setTimeout(() => void poll(), 0);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Polls `url` until it answers 200 or `timeoutMs` passes. */
export async function waitForHttp(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return true;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}
