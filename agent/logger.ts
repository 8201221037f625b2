/**
 * pino JSON logs to stdout (journald captures them under systemd). One helper per recurring event
 * kind (see BurstLogger) keeps a flapping device from flooding the journal.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, base: { svc: 'ev-edge' }, timestamp: pino.stdTimeFunctions.isoTime },
    destination ? (destination as pino.DestinationStream) : pino.destination({ fd: 1, sync: true }),
  );
}

/**
 * Logs the first occurrence of each (key) and then at most once per `windowMs`, reporting how
 * many were suppressed in between: "logged once per burst, not once per frame".
 */
export class BurstLogger {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly windowMs = 60_000,
  ) {}

  warn(key: string, message: string, fields: Record<string, unknown> = {}): void {
    const now = this.now();
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.windowMs) {
      entry.suppressed++;
      return;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.last.set(key, { at: now, suppressed: 0 });
    this.log.warn({ ...fields, ...(suppressed > 0 ? { suppressed } : {}) }, message);
  }
}
