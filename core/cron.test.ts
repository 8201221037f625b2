/**
 * core/cron.ts against node-cron 4 (the scheduler the agent used before, kept as a dev dependency
 * for this comparison): the same next runs for the same expressions from the same instants, in
 * UTC and in a zone with DST changes.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { cronProblem, nextCronRun, parseCron } from './cron.js';

const EXPRESSIONS = [
  '*/5 * * * *', '7 * * * *', '0 3 * * *', '30 2 * * *', '0 0 1 * *', '0 12 * * mon-fri', '15 4 * * 7', '0 0 29 2 *',
  '*/10 */3 1-10 jan,jun,dec *', '5-55/15 8-18 * * *', '0 0 * * sun', '@hourly', '@daily', '@weekly', '@monthly',
  '*/20 * * * * *', '0 0 13 * fri', '1,2,3 1-2 * * *', '0 */7 * * *', '59 23 31 * *',
];
/**
 * Instants around month ends, a leap day and the EU DST changes of 2026 (29 March, 25 October).
 * Not the first of the two 02:xx hours of 25 October in Berlin: there node-cron skips to the
 * second one, core/cron.ts does not (tested on its own below).
 */
const STARTS = ['2026-01-31T23:58:30Z', '2026-03-29T00:30:00Z', '2026-03-29T00:59:59Z', '2026-10-25T01:30:00Z',
  '2027-12-31T23:59:59Z', '2028-02-28T12:00:00Z', '2026-06-15T08:04:59Z'].map((s) => Date.parse(s));

/**
 * node-cron's own next-match computation (the one its scheduler uses), five runs per expression
 * and start, in a child process with TZ set: node-cron caches its Intl formatter for the local
 * zone, so it cannot follow a TZ change inside one process.
 */
function nodeCronRuns(tz: string): Record<string, Record<number, string[]>> {
  const script = `
    import { createTask } from 'node-cron';
    const out = {};
    for (const expression of ${JSON.stringify(EXPRESSIONS)}) {
      const task = createTask(expression, () => undefined);
      out[expression] = {};
      for (const start of ${JSON.stringify(STARTS)}) {
        let from = new Date(start);
        out[expression][start] = [];
        for (let i = 0; i < 5; i++) { from = task.timeMatcher.getNextMatch(from); out[expression][start].push(from.toISOString()); }
      }
      task.destroy();
    }
    process.stdout.write(JSON.stringify(out));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, TZ: tz }, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`node-cron reference failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as Record<string, Record<number, string[]>>;
}

const originalTz = process.env.TZ;
afterAll(() => {
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

describe.each(['UTC', 'Europe/Berlin', 'America/St_Johns'])('cron in %s', (tz) => {
  it('gives the next five runs node-cron gives', () => {
    const reference = nodeCronRuns(tz);
    process.env.TZ = tz;
    for (const expression of EXPRESSIONS) {
      const schedule = parseCron(expression);
      for (const start of STARTS) {
        const ours: string[] = [];
        for (let i = 0, from = start; i < 5; i++) {
          from = nextCronRun(schedule, from)!;
          ours.push(new Date(from).toISOString());
        }
        expect({ expression, start: new Date(start).toISOString(), runs: ours })
          .toEqual({ expression, start: new Date(start).toISOString(), runs: reference[expression]?.[start] });
      }
    }
  });
});

describe('cron across DST changes (Europe/Berlin)', () => {
  const runs = (expression: string, from: string, count: number): string[] => {
    process.env.TZ = 'Europe/Berlin';
    const schedule = parseCron(expression);
    const out: string[] = [];
    for (let i = 0, t = Date.parse(from); i < count; i++) out.push(new Date((t = nextCronRun(schedule, t)!)).toISOString());
    return out;
  };

  it('matches both occurrences of a local time that occurs twice (housekeeping runs every real hour)', () => {
    // 03:00 CEST becomes 02:00 CET at 01:00 UTC: local 02:07 happens at 00:07 and 01:07 UTC.
    expect(runs('7 * * * *', '2026-10-24T23:30:00Z', 3)).toEqual(['2026-10-25T00:07:00.000Z', '2026-10-25T01:07:00.000Z', '2026-10-25T02:07:00.000Z']);
    expect(runs('*/30 * * * *', '2026-10-25T00:10:00Z', 4)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-25T01:00:00.000Z', '2026-10-25T01:30:00.000Z', '2026-10-25T02:00:00.000Z']);
  });

  it('never matches a local time that a DST change skips', () => {
    // 02:00 CET becomes 03:00 CEST at 01:00 UTC on 29 March: no 02:30 that day.
    expect(runs('30 2 * * *', '2026-03-28T12:00:00Z', 2)).toEqual(['2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
  });
});

describe('cron expressions refused', () => {
  it.each([
    ['every five minutes', 'expected 5 or 6 fields but got 3'],
    ['60 * * * *', 'minute "60": 60 is outside 0-59'],
    ['* 24 * * *', 'hour "24": 24 is outside 0-23'],
    ['0 0 0 * *', 'day of month "0": 0 is outside 1-31'],
    ['0 0 L * *', 'day of month "l": L, W and # are not supported'],
    ['0 0 * * 5#2', 'day of week "5#2": L, W and # are not supported'],
    ['*/0 * * * *', 'minute "*/0": the step must be at least 1'],
    ['30-10 * * * *', 'minute "30-10": the range runs backwards'],
    ['0 0 31 2 *', 'the day of month never occurs in the given months'],
    ['0 0 * foo *', 'month "foo": "foo" is not a whole number'],
    ['5/15 * * * *', 'minute "5/15": a step needs * or a range a-b before it'],
  ])('%s: %s', (expression, problem) => {
    expect(cronProblem(expression)).toBe(problem);
  });

  it('accepts the defaults, names in any case and weekday 7 as Sunday', () => {
    expect(cronProblem('*/5 * * * *')).toBeUndefined();
    expect(cronProblem('7 * * * *')).toBeUndefined();
    expect(parseCron('0 0 * JAN-Mar Sat,7').fields[5]).toEqual(new Set([6, 0]));
  });
});
