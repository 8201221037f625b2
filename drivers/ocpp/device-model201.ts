/**
 * OCPP 2.0.1 device-model reports of one charging station -> problems (errorCodes), temperatures
 * and availability, per EVSE. 2.0.1 has no errorCode in StatusNotification: a station reports
 * problems as NotifyEvent eventData on component/variable pairs, and the units of its variables
 * through NotifyReport (variableCharacteristics.unit).
 *
 * Rules (OCPP 2.0.1 Part 2 NotifyEvent / device model; names are case-insensitive per the schema):
 * - Where: a component with `evse.id` n is EVSE n; without `evse` (or id 0) it is the station as a
 *   whole, whose problems and temperatures apply to every EVSE (as 1.6's connector 0).
 * - Problems stand from their event until an event on the same component/variable with
 *   `cleared: true` (or, for `Problem`, actualValue false). Each has a ChargerErrorCode (the 1.6
 *   vocabulary) only where the meaning is the same:
 *   - `Temperature` with trigger Alerting (a threshold monitor fired) -> HighTemperature, unless
 *     NotifyMonitoringReport told us that monitor is a LowerThreshold (then OtherError: too cold is
 *     not 1.6's HighTemperature);
 *   - `Problem` true on any component -> OtherError (2.0.1 says only "the component has a problem").
 *   vendorErrorCode keeps the techCode, or `<component>.<variable>` without one, of the newest
 *   standing problem.
 * - `Temperature` actualValue -> temperatureC (the hottest of one message) only when the variable's
 *   unit is Celsius or unknown (2.0.1's default unit for Temperature); another unit is refused and
 *   counted (`unknown_unit`), never converted by guess.
 * - `AvailabilityState` (EVSE/Connector) is the same state StatusNotification reports: it is
 *   handed back as the EVSE's reported status.
 */
import type { ChargerErrorCode } from '../../core/record.js';
import type { TapProblem } from './tap-base.js';

interface ComponentRef { name: string; instance?: string; evse?: { id: number; connectorId?: number } }
interface VariableRef { name: string; instance?: string }
export interface EventData201 {
  eventId: number;
  timestamp: string;
  trigger: 'Alerting' | 'Delta' | 'Periodic';
  actualValue: string;
  techCode?: string;
  cleared?: boolean;
  variableMonitoringId?: number;
  component: ComponentRef;
  variable: VariableRef;
}
interface ReportData201 { component: ComponentRef; variable: VariableRef; variableCharacteristics?: { unit?: string } }
interface MonitorData201 { component: ComponentRef; variable: VariableRef; variableMonitoring: Array<{ id: number; type: string }> }

export interface StandingProblem { code: ChargerErrorCode; vendorErrorCode: string; since: number }

/** What one NotifyEvent changed for one place (0: the whole station). */
export interface PlaceUpdate {
  place: number;
  ts: number;
  temperatureC?: number;
  availability?: string;
}

const CELSIUS = new Set(['celsius', 'cel', 'degc', '°c']);

const lc = (s: string | undefined) => (s ?? '').toLowerCase();
const placeOf = (c: ComponentRef) => c.evse?.id ?? 0;
const keyOf = (c: ComponentRef, v: VariableRef) => [placeOf(c), c.evse?.connectorId ?? '', lc(c.name), lc(c.instance), lc(v.name), lc(v.instance)].join('|');

export class DeviceModel201 {
  /** Problems standing per place, by component/variable key. */
  private readonly problems = new Map<number, Map<string, StandingProblem>>();
  private readonly units = new Map<string, string>();
  private readonly lowerMonitors = new Set<number>();
  /** Whether the station has reported through NotifyEvent at all (until then its errors are unknown). */
  heard = false;

  constructor(private readonly report: (p: TapProblem) => void) {}

  /** NotifyReport: the units of the station's variables. */
  learnReport(data: ReportData201[] | undefined): void {
    for (const d of data ?? []) {
      const unit = d.variableCharacteristics?.unit;
      if (unit !== undefined) this.units.set(keyOf(d.component, d.variable), unit);
    }
  }

  /** NotifyMonitoringReport: which monitors watch for a value falling below a threshold. */
  learnMonitors(data: MonitorData201[] | undefined): void {
    for (const m of data ?? []) for (const vm of m.variableMonitoring) {
      if (vm.type === 'LowerThreshold') this.lowerMonitors.add(vm.id);
      else this.lowerMonitors.delete(vm.id);
    }
  }

  /** Applies NotifyEvent eventData; returns one update per place it touched. */
  event(items: EventData201[]): PlaceUpdate[] {
    this.heard = true;
    const updates = new Map<number, PlaceUpdate>();
    for (const e of items) {
      const place = placeOf(e.component);
      const ts = Date.parse(e.timestamp);
      const update = updates.get(place) ?? { place, ts };
      update.ts = Math.max(update.ts, ts);
      updates.set(place, update);
      const variable = lc(e.variable.name);
      if (variable === 'temperature') {
        const c = this.temperature(e);
        if (c !== undefined) update.temperatureC = Math.max(update.temperatureC ?? -Infinity, c);
      }
      if (variable === 'availabilitystate' && ['evse', 'connector'].includes(lc(e.component.name))) update.availability = e.actualValue;
      this.problem(e, place, variable, ts);
    }
    return [...updates.values()];
  }

  /** Problems standing for EVSE n, the station's own included; newest last. */
  standing(n: number): StandingProblem[] {
    return [...(this.problems.get(0)?.values() ?? []), ...(this.problems.get(n)?.values() ?? [])].sort((a, b) => a.since - b.since);
  }

  private problem(e: EventData201, place: number, variable: string, ts: number): void {
    let code: ChargerErrorCode | undefined;
    if (variable === 'problem') code = lc(e.actualValue) === 'true' ? 'OtherError' : undefined;
    else if (variable === 'temperature' && e.trigger === 'Alerting') {
      code = e.variableMonitoringId !== undefined && this.lowerMonitors.has(e.variableMonitoringId) ? 'OtherError' : 'HighTemperature';
    } else return;
    const key = keyOf(e.component, e.variable);
    const here = this.problems.get(place) ?? new Map<string, StandingProblem>();
    this.problems.set(place, here);
    if (e.cleared === true || code === undefined) {
      here.delete(key);
      return;
    }
    here.set(key, { code, vendorErrorCode: e.techCode ?? `${e.component.name}.${e.variable.name}`, since: ts });
  }

  private temperature(e: EventData201): number | undefined {
    const where = `${e.component.name}${e.component.evse ? ` (EVSE ${e.component.evse.id})` : ''}.${e.variable.name}, event ${e.eventId}`;
    const unit = this.units.get(keyOf(e.component, e.variable));
    if (unit !== undefined && !CELSIUS.has(lc(unit))) {
      this.report({ reason: 'unknown_unit', detail: `${where}: unit '${unit}' is not Celsius; temperature not recorded` });
      return undefined;
    }
    const value = Number(e.actualValue);
    if (e.actualValue.trim() === '' || !Number.isFinite(value)) {
      this.report({ reason: 'unparsable_value', detail: `${where}: actualValue '${e.actualValue}' is not a number` });
      return undefined;
    }
    return value;
  }
}
