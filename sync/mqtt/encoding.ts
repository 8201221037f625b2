/**
 * MQTT payload formats. `json` (the default) is one JSON object per record, or a JSON array of
 * consecutive same-topic records when records_per_message > 1 (topics.ts). The compressed formats
 * batch up to records_per_message records of one topic (one device, one record type) per message,
 * for metered links: a 592-byte 16-cell battery record costs about 50 bytes on the wire.
 *
 * - `jsonl-gzip`: gzip of JSON lines, one record per line, each exactly as `json` would send it.
 *   Read with: `gunzip | jq -c .`
 * - `table-gzip`: gzip of one JSON object
 *     {"format":"ev-edge.table/1","columns":[["gatewayId"],...,["battery","cellVoltagesV"],...],
 *      "rows":[[v0, v1, ...], ...]}
 *   Each column is the path of one leaf field (objects are flattened, arrays are leaves), each row
 *   one record in order; a field the record lacks is null. Rebuild the records with:
 *     gunzip | jq -c '.columns as $c | .rows[] | . as $r
 *       | reduce range($c|length) as $i ({}; if $r[$i] == null then . else setpath($c[$i]; $r[$i]) end)'
 *
 * Invariants: every record of the batch is in exactly one message (`indices`); within a topic the
 * records keep the batch's order (per-device order, since topics are per device); records with a
 * null field come back without it (a null field means "not reported" in the record model, so that
 * is the same record). With MQTT 5 (`protocol_version: 5`) each message also names its format in
 * the content type and a `content-encoding` user property.
 */
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { EdgeRecord } from '../../core/record.js';
import type { MqttConfig } from '../config.js';
import { topicFor, toMessages, type TopicTemplates } from './topics.js';

const gzip = promisify(gzipCb);

export type PayloadFormat = MqttConfig['payload_format'];

/** Records per message when `records_per_message` is not set: 1 for json, a batch for the others. */
export const DEFAULT_RECORDS_PER_MESSAGE: Record<PayloadFormat, number> = { json: 1, 'jsonl-gzip': 250, 'table-gzip': 250 };

export const TABLE_FORMAT = 'ev-edge.table/1';

/** MQTT 5 publish properties per format (content type of the decompressed payload). */
export const FORMAT_PROPERTIES: Record<PayloadFormat, { contentType: string; userProperties?: Record<string, string> }> = {
  json: { contentType: 'application/json' },
  'jsonl-gzip': { contentType: 'application/x-ndjson', userProperties: { 'content-encoding': 'gzip' } },
  'table-gzip': { contentType: 'application/vnd.ev-edge.table+json', userProperties: { 'content-encoding': 'gzip' } },
};

export interface EncodedMessage {
  topic: string;
  payload: string | Buffer;
  /** Indices of the batch's records this message carries. */
  indices: number[];
}

/** Groups by topic (order kept within each topic), at most `perMessage` records per group. */
export function groupByTopic(batch: readonly EdgeRecord[], templates: TopicTemplates, perMessage: number): Array<{ topic: string; indices: number[] }> {
  const open = new Map<string, number[]>();
  const groups: Array<{ topic: string; indices: number[] }> = [];
  batch.forEach((r, i) => {
    const topic = topicFor(templates, r);
    let indices = open.get(topic);
    if (!indices || indices.length >= perMessage) {
      indices = [];
      open.set(topic, indices);
      groups.push({ topic, indices });
    }
    indices.push(i);
  });
  return groups;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0;
}

/** Columns (leaf paths, in order of first appearance) and one row of values per record. */
export function toTable(records: readonly EdgeRecord[]): { format: string; columns: string[][]; rows: unknown[][] } {
  const columns: string[][] = [];
  const columnOf = new Map<string, number>();
  const rows = records.map((record) => {
    const row: unknown[] = [];
    const walk = (obj: Record<string, unknown>, prefix: string[], id: string): void => {
      for (const key of Object.keys(obj)) {
        const value = obj[key];
        if (value === undefined) continue;
        const path = [...prefix, key];
        const pathId = `${id}\u0000${key}`;
        if (isPlainObject(value)) {
          walk(value, path, pathId);
          continue;
        }
        let c = columnOf.get(pathId);
        if (c === undefined) {
          c = columns.length;
          columnOf.set(pathId, c);
          columns.push(path);
        }
        row[c] = value;
      }
    };
    walk(record as unknown as Record<string, unknown>, [], '');
    return row;
  });
  for (const row of rows) for (let c = 0; c < columns.length; c++) if (row[c] === undefined) row[c] = null;
  return { format: TABLE_FORMAT, columns, rows };
}

/** The inverse of toTable (what the documented jq line does): nulls are left out. */
export function fromTable(table: { columns: string[][]; rows: unknown[][] }): Array<Record<string, unknown>> {
  return table.rows.map((row) => {
    const out: Record<string, unknown> = {};
    table.columns.forEach((path, c) => {
      const value = row[c];
      if (value === null || value === undefined) return;
      let target = out;
      for (const key of path.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
      target[path[path.length - 1] as string] = value;
    });
    return out;
  });
}

/** Messages for one batch in the configured format. */
export async function encodeBatch(batch: readonly EdgeRecord[], templates: TopicTemplates, format: PayloadFormat, perMessage: number): Promise<EncodedMessage[]> {
  if (format === 'json') return toMessages(batch, templates, perMessage);
  return Promise.all(groupByTopic(batch, templates, perMessage).map(async ({ topic, indices }) => {
    const records = indices.map((i) => batch[i] as EdgeRecord);
    const text = format === 'table-gzip'
      ? JSON.stringify(toTable(records))
      : `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
    return { topic, indices, payload: await gzip(text) };
  }));
}
