/**
 * What the taps of both protocol versions share: per-connector state slots, the problems found,
 * and the shape of a reading (hardware source, the charger's time when it gave one, the operator's
 * maintenance date when configured). The protocol rules live in tap16.ts and tap201.ts.
 */
import type { ChargerSignals } from '../../core/record.js';
import type { DriverReading } from '../driver.js';

export interface TappedReading {
  connector: number;
  reading: DriverReading;
}

export interface TapProblem {
  reason: string;
  detail: string;
}

/** What the endpoint needs of a protocol's tap. */
export interface ChargerTap {
  /** A request and the central system's answer (undefined for a CALLERROR). */
  exchange(action: string, request: unknown, response: unknown): TappedReading[];
  /** Problems found since the last call (refused values, unknown transactions). */
  takeProblems(): TapProblem[];
}

export abstract class TapBase<S extends { sessions: number }> implements ChargerTap {
  private readonly slots = new Map<number, S>();
  protected readonly problems: TapProblem[] = [];

  constructor(
    /** Connectors (1.6) or EVSEs (2.0.1) numbered 1..count. */
    readonly count: number,
    protected readonly now: () => number,
    private readonly sinceMaintenanceS?: () => number | undefined,
  ) {}

  abstract exchange(action: string, request: unknown, response: unknown): TappedReading[];
  protected abstract fresh(): S;

  takeProblems(): TapProblem[] {
    return this.problems.splice(0);
  }

  /** The state of connector n, or undefined when n is not a configured connector. */
  protected slot(n: number): S | undefined {
    if (!Number.isInteger(n) || n < 1 || n > this.count) return undefined;
    let state = this.slots.get(n);
    if (!state) this.slots.set(n, (state = this.fresh()));
    return state;
  }

  protected unknownSlot(n: number): TappedReading[] {
    this.problems.push({ reason: 'unknown_connector', detail: `connector ${n} is not configured (connectors: ${this.count})` });
    return [];
  }

  protected numbers(): number[] {
    return Array.from({ length: this.count }, (_, i) => i + 1);
  }

  protected tapped(n: number, charger: ChargerSignals, ts?: number): TappedReading {
    const sinceMaintenanceS = this.sinceMaintenanceS?.();
    return {
      connector: n,
      reading: { source: 'hardware', ts: ts ?? this.now(), body: { type: 'charger', charger: { ...charger, ...(sinceMaintenanceS !== undefined ? { sinceMaintenanceS } : {}) } } },
    };
  }
}

/** An OCPP dateTime (schema-checked before we get here) as epoch ms; undefined when absent. */
export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
