/**
 * From decoded DBC signals to canonical records.
 *
 * `resolveMapping` checks the `map:` block against the DBC once (every signal exists, names are
 * unambiguous, fields fit the device kind) and yields a lookup the decoder can also use to decode
 * only the mapped signals. `SignalAssembler` keeps the last value of every mapped field with the
 * time it arrived, and builds one record body per interval from the values that are still fresh:
 * a signal that stopped arriving drops out after `maxAgeMs` instead of being repeated forever.
 */
import { OCPP_CONNECTOR_STATUSES, type ConnectorStatus, type DeviceKind } from '../../core/record.js';
import type { TelemetryBody } from '../driver.js';
import { BATTERY_FIELDS, CHARGER_FIELDS, type CanConfig, type CanField, type SignalMappingConfig, type StatusMappingConfig } from './config.js';
import { CanMappingError } from './errors.js';
import { frameKey, INDEPENDENT_SIGNALS_MESSAGE, type DbcDatabase, type DbcMessage, type DbcSignal } from './dbc-model.js';
import type { DecodedFrame } from './decoder.js';

/** raw * factor + offset leaves binary-fraction noise (3817 * 0.1 = 381.70000000000005): 12 digits hide it. */
const tidy = (v: number): number => Number(v.toPrecision(12));

export type FieldTarget =
  | { field: CanField; scale: number; offset: number }
  /** Raw value -> status from `values`, else the VAL_ label when it names an OCPP status. */
  | { field: 'connectorStatus'; values: Map<number, ConnectorStatus> | undefined };

const OCPP_STATUS_SET: ReadonlySet<string> = new Set(OCPP_CONNECTOR_STATUSES);

export interface ResolvedMapping {
  /** message key (frameKey) -> signal name -> the fields it feeds. */
  targets: Map<number, Map<string, FieldTarget[]>>;
  fields: Array<CanField | 'connectorStatus'>;
  /** For CanDecoder's `onlySignals`: decode only what is mapped. */
  wants(message: DbcMessage, signal: DbcSignal): boolean;
}

export function resolveMapping(db: DbcDatabase, map: CanConfig['map'], kind: DeviceKind): ResolvedMapping {
  const allowed: readonly string[] = kind === 'battery' ? BATTERY_FIELDS : [...CHARGER_FIELDS, 'connectorStatus'];
  const targets = new Map<number, Map<string, FieldTarget[]>>();
  const fields: Array<CanField | 'connectorStatus'> = [];
  const entries = Object.entries(map) as Array<[CanField | 'connectorStatus', SignalMappingConfig | StatusMappingConfig | undefined]>;
  for (const [field, entry] of entries) {
    if (entry === undefined) continue;
    if (!allowed.includes(field)) throw new CanMappingError(field, `not a ${kind} field (allowed: ${allowed.join(', ')})`);
    const ref = typeof entry === 'string' ? entry : entry.signal;
    const dot = ref.indexOf('.');
    const messageName = dot >= 0 ? ref.slice(0, dot) : undefined;
    const signalName = dot >= 0 ? ref.slice(dot + 1) : ref;
    const matches = db.messages.filter(
      (m) => m.name !== INDEPENDENT_SIGNALS_MESSAGE && (messageName === undefined || m.name === messageName) && m.signals.some((s) => s.name === signalName),
    );
    if (matches.length === 0) throw new CanMappingError(field, `signal "${ref}" is not in ${db.file}`);
    if (matches.length > 1) {
      throw new CanMappingError(field, `signal "${signalName}" is in several messages (${matches.map((m) => m.name).join(', ')}); write MESSAGE.SIGNAL`);
    }
    const message = matches[0] as DbcMessage;
    const key = frameKey(message.id, message.extended);
    const bySignal = targets.get(key) ?? new Map<string, FieldTarget[]>();
    targets.set(key, bySignal);
    const list = bySignal.get(signalName) ?? [];
    bySignal.set(signalName, list);
    if (field === 'connectorStatus') {
      const values = typeof entry === 'object' && 'values' in entry && entry.values ? new Map(Object.entries(entry.values).map(([raw, status]) => [Number(raw), status])) : undefined;
      list.push({ field, values });
    } else if (typeof entry === 'string') list.push({ field, scale: 1, offset: 0 });
    else if ('scale' in entry) list.push({ field, scale: entry.scale, offset: entry.offset });
    else throw new CanMappingError(field, 'expected SIGNAL or { signal, scale, offset }');
    fields.push(field);
  }
  return {
    targets,
    fields,
    wants: (message, signal) => targets.get(frameKey(message.id, message.extended))?.has(signal.name) ?? false,
  };
}

export class SignalAssembler {
  private readonly values = new Map<CanField, { value: number; atMs: number }>();
  private status: { value: ConnectorStatus; atMs: number } | undefined;

  constructor(
    private readonly mapping: ResolvedMapping,
    private readonly kind: DeviceKind,
    private readonly maxAgeMs: number,
  ) {}

  /** Takes the mapped signals of one decoded frame, received at `atMs` (any monotonic time base). */
  update(frame: DecodedFrame, atMs: number): void {
    const bySignal = this.mapping.targets.get(frameKey(frame.message.id, frame.message.extended));
    if (!bySignal) return;
    for (const signal of frame.signals) {
      const list = bySignal.get(signal.name);
      if (!list) continue;
      for (const t of list) {
        if (t.field === 'connectorStatus') {
          const status = t.values ? t.values.get(signal.raw) : signal.label;
          // An unmapped raw value is no status at all: leave the last one to age out.
          if (status !== undefined && OCPP_STATUS_SET.has(status)) this.status = { value: status as ConnectorStatus, atMs };
          continue;
        }
        const value = signal.value * t.scale + t.offset;
        if (Number.isFinite(value)) this.values.set(t.field, { value, atMs });
      }
    }
  }

  /** Record body of the fields fresh at `nowMs`, or undefined when none is. */
  snapshot(nowMs: number): TelemetryBody | undefined {
    const fresh: Partial<Record<CanField, number>> = {};
    let count = 0;
    for (const [field, v] of this.values) {
      if (nowMs - v.atMs > this.maxAgeMs) continue;
      fresh[field] = tidy(v.value);
      count++;
    }
    const status = this.status && nowMs - this.status.atMs <= this.maxAgeMs ? this.status.value : undefined;
    if (count === 0 && status === undefined) return undefined;
    if (this.kind === 'charger') return { type: 'charger', charger: status === undefined ? fresh : { ...fresh, connectorStatus: status } };
    // Power follows the current's sign convention (positive while charging) when not mapped itself.
    if (fresh.powerW === undefined && fresh.packVoltageV !== undefined && fresh.packCurrentA !== undefined) {
      fresh.powerW = tidy(fresh.packVoltageV * fresh.packCurrentA);
    }
    return { type: 'battery', battery: fresh };
  }

  /** Forgets every value (used when a replay loops, so old values cannot leak into the new pass). */
  clear(): void {
    this.values.clear();
    this.status = undefined;
  }
}
