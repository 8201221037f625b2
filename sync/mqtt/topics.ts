/** Topic templates and payloads: pure functions, tested on their own. */
import type { EdgeRecord } from '../../core/record.js';
import type { MqttConfig } from '../config.js';

export type TopicTemplates = MqttConfig['topics'];

export function fillTemplate(template: string, vars: { gateway: string; device?: string; kind?: string; type?: string }): string {
  return template.replace(/\{(gateway|device|kind|type)\}/g, (_, name: keyof typeof vars) => vars[name] ?? '');
}

export function topicFor(templates: TopicTemplates, r: EdgeRecord): string {
  const template = r.type === 'prediction' ? templates.prediction : r.type === 'alarm' ? templates.alarm : templates.telemetry;
  return fillTemplate(template, { gateway: r.gatewayId, device: r.deviceId, kind: r.deviceKind, type: r.type });
}

export interface OutgoingMessage {
  topic: string;
  payload: string;
  /** Indices of the batch's records this message carries. */
  indices: number[];
}

/**
 * Groups a batch into messages: one JSON object per record, or with `perMessage` > 1 JSON arrays
 * of consecutive records that share a topic. Each record carries its idempotency key (`key`).
 */
export function toMessages(batch: readonly EdgeRecord[], templates: TopicTemplates, perMessage: number): OutgoingMessage[] {
  const out: OutgoingMessage[] = [];
  let current: { topic: string; indices: number[] } | undefined;
  const flush = (): void => {
    if (!current) return;
    const records = current.indices.map((i) => batch[i]);
    out.push({ topic: current.topic, indices: current.indices, payload: JSON.stringify(perMessage > 1 ? records : records[0]) });
    current = undefined;
  };
  batch.forEach((r, i) => {
    const topic = topicFor(templates, r);
    if (current && (current.topic !== topic || current.indices.length >= perMessage)) flush();
    if (!current) current = { topic, indices: [] };
    current.indices.push(i);
  });
  flush();
  return out;
}
