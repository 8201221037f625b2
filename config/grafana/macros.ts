/**
 * What Grafana does to a PostgreSQL panel's SQL before it reaches the database, for tests:
 * 1. the frontend interpolates template variables ($var, ${var}, ${var:raw}); a multi-value or
 *    include-All variable becomes a comma-separated list of single-quoted literals, a single
 *    value is inserted as is (Grafana's SQL datasources do exactly this);
 * 2. the backend expands macros, as pkg/tsdb/grafana-postgresql-datasource/macros.go does:
 *    $__timeFilter(c) -> c BETWEEN '<from>' AND '<to>' (RFC 3339), $__timeFrom() / $__timeTo(),
 *    $__timeGroup(c, iv) -> floor(extract(epoch from c)/s)*s (time_bucket with the TimescaleDB
 *    option), $__timeGroupAlias adds AS "time", $__time(c), $__timeEpoch(c), $__unixEpochFilter(c).
 * Unknown macros throw, as in Grafana ("unknown macro").
 */

export interface TimeRange { from: Date; to: Date }

export interface VariableValue {
  values: string[];
  /** Multi-value or include-All: quoted list. Otherwise the single value raw. */
  multi: boolean;
}

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** Grafana interval strings ("30s", "5m", "1h", "100ms") in seconds. */
export function intervalSeconds(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)$/.exec(text.trim().replace(/^'|'$/g, ''));
  if (!m) throw new Error(`error parsing interval ${text}`);
  return Number(m[1]) * (UNITS[m[2]!] as number);
}

function quote(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

/** Step 1: template variables, including the built-ins $__interval, $__interval_ms and $__rate_interval. */
export function interpolateVariables(sql: string, vars: Record<string, VariableValue>): string {
  return sql.replace(/\$\{(\w+)(?::(\w+))?\}|\$(\w+)/g, (whole, braced: string | undefined, format: string | undefined, plain: string | undefined) => {
    const name = (braced ?? plain) as string;
    const v = vars[name];
    if (!v) return whole;
    if (format === 'raw' || format === 'csv') return v.values.join(',');
    return v.multi ? v.values.map(quote).join(',') : (v.values[0] ?? '');
  });
}

const MACRO = /\$([_a-zA-Z0-9]+)\(([^)]*)\)/g;

/** Step 2: the PostgreSQL datasource's macros. */
export function expandMacros(sql: string, range: TimeRange, timescaledb = false): string {
  const from = range.from.toISOString();
  const to = range.to.toISOString();
  return sql.replace(MACRO, (whole, name: string, rawArgs: string, offset: number) => {
    const args = rawArgs.split(',').map((a) => a.trim());
    // Like Grafana: $__timeGroup(...) directly followed by ',' is treated as $__timeGroupAlias.
    if (name === '__timeGroup' && sql[offset + whole.length] === ',') name = '__timeGroupAlias';
    const group = (): string => {
      if (args.length < 2) throw new Error(`macro ${name} needs time column and interval`);
      const s = intervalSeconds(args[1] as string);
      return timescaledb ? `time_bucket('${s.toFixed(3)}s',${args[0]})` : `floor(extract(epoch from ${args[0]})/${s})*${s}`;
    };
    switch (name) {
      case '__time': return `${args[0]} AS "time"`;
      case '__timeEpoch': return `extract(epoch from ${args[0]}) as "time"`;
      case '__timeFilter': return `${args[0]} BETWEEN '${from}' AND '${to}'`;
      case '__timeFrom': return `'${from}'`;
      case '__timeTo': return `'${to}'`;
      case '__timeGroup': return group();
      case '__timeGroupAlias': return `${group()} AS "time"`;
      case '__unixEpochFilter':
        return `${args[0]} >= ${Math.floor(range.from.getTime() / 1000)} AND ${args[0]} <= ${Math.floor(range.to.getTime() / 1000)}`;
      default: throw new Error(`unknown macro "${name}"`);
    }
  });
}

/** Both steps, in Grafana's order. */
export function grafanaSql(sql: string, vars: Record<string, VariableValue>, range: TimeRange, intervalText = '1m', timescaledb = false): string {
  const builtins: Record<string, VariableValue> = {
    __interval: { values: [intervalText], multi: false },
    __interval_ms: { values: [String(intervalSeconds(intervalText) * 1000)], multi: false },
  };
  return expandMacros(interpolateVariables(sql, { ...builtins, ...vars }), range, timescaledb);
}
