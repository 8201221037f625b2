/**
 * Cron expressions evaluated in the gateway's local time with Date's own getters, never Intl.
 *
 * Why not node-cron: it computes every next run through Intl.DateTimeFormat even when no time zone
 * is configured, and building that formatter maps about 8 MB of ICU data into the process (issue
 * 15; `new Date().getHours()` costs about 0.6 MB). node-cron remains the test's reference reader.
 *
 * The language is node-cron's without its Quartz extensions: 5 fields (minute hour day-of-month
 * month day-of-week) or 6 (a leading seconds field; with 5 the second is 0); each field `*`, `?`,
 * a number, a range `a-b`, a step `*`/n or `a-b/n`, or a comma list of those; month names
 * jan-dec and weekday names sun-sat (any case), weekday 7 = Sunday; the nicknames @yearly
 * @annually @monthly @weekly @daily @midnight @hourly. As in node-cron (and unlike Vixie cron),
 * a time matches only when the day of month AND the day of week match. `L`, `W` and `#` are
 * refused with a message rather than evaluated differently from what the operator meant.
 */

export interface CronSchedule {
  readonly expression: string;
  /** Allowed values per field, as sets: second, minute, hour, day of month, month (1-12), weekday (0-6). */
  readonly fields: readonly [ReadonlySet<number>, ReadonlySet<number>, ReadonlySet<number>, ReadonlySet<number>, ReadonlySet<number>, ReadonlySet<number>];
}

const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
interface Field {
  name: string;
  min: number;
  max: number;
  /** Names for the values from `base` on (months from 1, weekdays from 0). */
  names?: readonly string[];
  base?: number;
}
const FIELDS: readonly Field[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, base: 1 },
  { name: 'day of week', min: 0, max: 7, names: WEEKDAYS, base: 0 },
];
/** A schedule with no run within this many days never runs (e.g. `0 0 30 2 *`). 8 years covers Feb 29. */
const SEARCH_DAYS = 366 * 8 + 2;

/** Parses an expression; throws an Error naming the field and the token it cannot accept. */
export function parseCron(expression: string): CronSchedule {
  const resolved = NICKNAMES[expression.trim().toLowerCase()] ?? expression;
  const raw = resolved.trim().split(/\s+/);
  if (raw.length !== 5 && raw.length !== 6) throw new Error(`expected 5 or 6 fields but got ${raw.length}`);
  const tokens = raw.length === 5 ? ['0', ...raw] : raw;
  const sets = tokens.map((token, i) => parseField(token, FIELDS[i]!)) as unknown as CronSchedule['fields'];
  const weekdays = sets[5] as Set<number>;
  if (weekdays.delete(7)) weekdays.add(0);
  const schedule: CronSchedule = { expression, fields: sets };
  if (nextCronRun(schedule, new Date(2000, 0, 1).getTime()) === null) throw new Error('the day of month never occurs in the given months');
  return schedule;
}

/** Why an expression is refused, or undefined when it is valid. */
export function cronProblem(expression: string): string | undefined {
  try {
    parseCron(expression);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function parseField(token: string, field: Field): Set<number> {
  const values = new Set<number>();
  for (const part of token.toLowerCase().split(',')) {
    if (/[lw#]/.test(part.replace(/[a-z]{3}/g, (name) => (field.names?.includes(name) ? '0' : name)))) {
      throw new Error(`${field.name} "${part}": L, W and # are not supported`);
    }
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined || range === undefined || range === '') throw new Error(`${field.name} "${part}" is not a value, range or step`);
    const step = stepText === undefined ? 1 : wholeNumber(stepText, field.name, part);
    if (step < 1) throw new Error(`${field.name} "${part}": the step must be at least 1`);
    let from: number;
    let to: number;
    if (range === '*' || range === '?') [from, to] = [field.min, field.name === 'day of week' ? 6 : field.max];
    else {
      const [a, b, more] = range.split('-');
      if (more !== undefined) throw new Error(`${field.name} "${part}" is not a value, range or step`);
      from = value(a ?? '', field, part);
      // node-cron refuses `a/n` (a start without an end); so does this, rather than guess.
      if (b === undefined && stepText !== undefined) throw new Error(`${field.name} "${part}": a step needs * or a range a-b before it`);
      to = b !== undefined ? value(b, field, part) : from;
      if (to < from) throw new Error(`${field.name} "${part}": the range runs backwards`);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function value(text: string, field: Field, part: string): number {
  const index = field.names?.indexOf(text) ?? -1;
  const v = index >= 0 ? index + (field.base ?? 0) : wholeNumber(text, field.name, part);
  if (v < field.min || v > field.max) throw new Error(`${field.name} "${part}": ${v} is outside ${field.min}-${field.max}`);
  return v;
}

function wholeNumber(text: string, fieldName: string, part: string): number {
  if (!/^\d{1,4}$/.test(text)) throw new Error(`${fieldName} "${part}": "${text}" is not a whole number`);
  return Number(text);
}

/**
 * The first time strictly after `afterMs` (local wall time, whole seconds) that the schedule
 * matches, or null if none within SEARCH_DAYS. A local time that a DST change skips does not
 * occur, so it never matches; one that occurs twice matches twice.
 */
export function nextCronRun(schedule: CronSchedule, afterMs: number): number | null {
  const [seconds, minutes, hours, days, months, weekdays] = schedule.fields;
  const t = new Date(Math.floor(afterMs / 1000) * 1000 + 1000);
  const limit = afterMs + SEARCH_DAYS * 86_400_000;
  while (t.getTime() <= limit) {
    const before = t.getTime();
    if (!months.has(t.getMonth() + 1)) {
      t.setMonth(t.getMonth() + 1, 1);
      t.setHours(0, 0, 0);
    } else if (!days.has(t.getDate()) || !weekdays.has(t.getDay())) {
      t.setDate(t.getDate() + 1);
      t.setHours(0, 0, 0);
    } else if (!hours.has(t.getHours())) {
      // Within a day, steps are taken in absolute time: a local setter (setMinutes(0)) on a time
      // that occurs twice (DST ending) resolves to the earlier one and would move backwards.
      t.setTime(before + 3_600_000 - t.getMinutes() * 60_000 - t.getSeconds() * 1000);
    } else if (!minutes.has(t.getMinutes())) {
      t.setTime(before + 60_000 - t.getSeconds() * 1000);
    } else if (!seconds.has(t.getSeconds())) {
      t.setTime(before + 1000);
    } else return before;
    // Day and month steps go to the start of a later local day, so every step moves forward.
    if (t.getTime() <= before) throw new Error(`cron evaluation did not advance at ${new Date(before).toISOString()}`);
  }
  return null;
}
