/**
 * The two ways a batch can reach a table, both idempotent through ON CONFLICT (key, ts) DO NOTHING:
 * - `insert` (default): one INSERT ... SELECT FROM unnest($1::text[], $2::float8[], ...) per table:
 *   one parameter per column whatever the batch size, one parse, one round trip.
 * - `values`: classic multi-row INSERT ... VALUES (...), (...) in chunks under the 65,535-parameter
 *   limit of the protocol. Kept for comparison (bench/drain.bench.ts measures both).
 */
import type { EdgeRecord } from '../../core/record.js';
import { columnsFor, type Column, type ColumnKind, type RowOptions, type TableName } from './rows.js';

const ARRAY_TYPE: Record<ColumnKind, string> = {
  text: 'text[]', float8: 'float8[]', int8: 'int8[]', int4: 'int4[]', bool: 'bool[]', jsonb: 'text[]', ts: 'float8[]', textarr: 'text[]',
};
const SCALAR_TYPE: Record<ColumnKind, string> = {
  text: 'text', float8: 'float8', int8: 'int8', int4: 'int4', bool: 'bool', jsonb: 'text', ts: 'float8', textarr: 'text',
};

/** SQL turning the transported value `v` into the column's type. */
function convert(kind: ColumnKind, v: string): string {
  switch (kind) {
    case 'jsonb':
      return `${v}::jsonb`;
    case 'ts':
      return `to_timestamp(${v} / 1000.0)`;
    case 'textarr':
      return `CASE WHEN ${v} IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(${v}::jsonb)) END`;
    default:
      return v;
  }
}

export interface Statement {
  text: string;
  values: unknown[];
}

export function unnestInsert(schema: string, table: TableName, records: readonly EdgeRecord[], options: RowOptions): Statement {
  const cols = columnsFor(table, options);
  const params = cols.map((c, i) => `$${i + 1}::${ARRAY_TYPE[c.kind]}`).join(', ');
  const aliases = cols.map((_, i) => `c${i}`).join(', ');
  const select = cols.map((c, i) => convert(c.kind, `u.c${i}`)).join(', ');
  return {
    text: `INSERT INTO ${schema}.${table} (${names(cols)}) SELECT ${select} FROM unnest(${params}) AS u(${aliases}) ON CONFLICT (key, ts) DO NOTHING`,
    values: cols.map((c) => records.map((r) => c.get(r))),
  };
}

const MAX_PARAMS = 65_535;

export function valuesInserts(schema: string, table: TableName, records: readonly EdgeRecord[], options: RowOptions): Statement[] {
  const cols = columnsFor(table, options);
  const perStatement = Math.floor(MAX_PARAMS / cols.length);
  const out: Statement[] = [];
  for (let start = 0; start < records.length; start += perStatement) {
    const chunk = records.slice(start, start + perStatement);
    const values: unknown[] = [];
    const tuples = chunk.map((r) => {
      const slots = cols.map((c) => {
        values.push(c.get(r));
        return convert(c.kind, `$${values.length}::${SCALAR_TYPE[c.kind]}`);
      });
      return `(${slots.join(', ')})`;
    });
    out.push({ text: `INSERT INTO ${schema}.${table} (${names(cols)}) VALUES ${tuples.join(', ')} ON CONFLICT (key, ts) DO NOTHING`, values });
  }
  return out;
}

function names(cols: Column[]): string {
  return cols.map((c) => c.name).join(', ');
}
