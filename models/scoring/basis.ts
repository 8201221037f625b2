/**
 * Whether a device can be scored by a model yet, with which inputs, and what the prediction then
 * rests on (core/record.ts PredictionBasis). The rule is the card's `confidence` block:
 *
 *   inputs      every `required_inputs` entry must be present, else the device is not scored
 *               (reason `missing_input`, or `insufficient_history` when the input only needs more
 *               history, e.g. capacity-trajectory features before two cycles). Any other input may
 *               be absent: it goes to the model as NaN, which the tree models were trained with and
 *               route natively (xgboost's learned default branch), and is named in `missingInputs`.
 *   confidence  'low' when an input is missing or history < medium_from; 'medium' while
 *               history < high_from; 'high' after. History is hours of the device's history (record
 *               time), or with `history: cycles` the capacity cycles the device was observed for.
 *   acting      prediction alarm rules and the maintenance recommendation use a prediction only when
 *               its confidence is at least `act_from` (default medium): early predictions are stored
 *               and shown, alarms and maintenance wait for enough history.
 *
 * A card without the block (older or third-party models) needs every input and its predictions are
 * 'medium': nothing says how it does on short histories, and nothing says it is worse.
 */
import { z } from 'zod';
import type { PredictionBasis } from '../../core/record.js';
import type { ModelCard } from './card.js';

export type Confidence = PredictionBasis['confidence'];
export const CONFIDENCE_LEVELS: readonly Confidence[] = ['low', 'medium', 'high'];
export const SKIP_REASONS = ['missing_input', 'insufficient_history'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export const confidenceSchema = z.strictObject({
  history: z.enum(['hours', 'cycles']).default('hours'),
  medium_from: z.number().min(0),
  high_from: z.number().min(0),
  required_inputs: z.array(z.string().min(1)).default([]),
  act_from: z.enum(['low', 'medium', 'high']).default('medium'),
  /** Why these numbers (the evaluation on short histories they come from). */
  why: z.string().optional(),
}).refine((c) => c.high_from >= c.medium_from, { message: 'high_from must be >= medium_from' });
export type ConfidenceRule = z.infer<typeof confidenceSchema>;

/** Parsed once per loaded card (the stage asks for every row). */
const parsed = new WeakMap<ModelCard, ConfidenceRule>();

/** The card's rule; throws with the reason when the block is malformed (the model is then refused). */
export function confidenceRule(card: ModelCard): ConfidenceRule {
  let rule = parsed.get(card);
  if (!rule) parsed.set(card, (rule = parseRule(card)));
  return rule;
}

function parseRule(card: ModelCard): ConfidenceRule {
  const raw = (card as Record<string, unknown>).confidence;
  if (raw === undefined) {
    return { history: 'hours', medium_from: 0, high_from: Number.POSITIVE_INFINITY, required_inputs: card.inputs.map((i) => i.name), act_from: 'medium' };
  }
  const rule = confidenceSchema.parse(raw);
  const names = new Set(card.inputs.map((i) => i.name));
  const unknown = rule.required_inputs.filter((n) => !names.has(n));
  if (unknown.length) throw new Error(`required_inputs ${unknown.join(', ')} are not inputs of the card`);
  return rule;
}

export type RowResult =
  | { row: number[]; missing: string[] }
  | { skip: SkipReason; missing: string[] };

/**
 * Card-ordered feature row with NaN for absent optional inputs, or why the device cannot be scored.
 * `pending` names inputs that are absent only because the device's history is still too short.
 */
export function buildRow(values: Record<string, number>, names: readonly string[], rule: ConfidenceRule, pending: ReadonlySet<string> = new Set()): RowResult {
  const row: number[] = [];
  const missing: string[] = [];
  for (const name of names) {
    const v = values[name];
    if (v === undefined || !Number.isFinite(v)) {
      missing.push(name);
      row.push(Number.NaN);
    } else row.push(v);
  }
  const blocking = missing.filter((n) => rule.required_inputs.includes(n));
  if (blocking.length) return { skip: blocking.every((n) => pending.has(n)) ? 'insufficient_history' : 'missing_input', missing: blocking };
  return { row, missing };
}

/** The confidence of one prediction under the card's rule (module header). */
export function confidenceOf(rule: ConfidenceRule, history: { hours: number; cycles: number }, missing: readonly string[]): Confidence {
  const h = rule.history === 'cycles' ? history.cycles : history.hours;
  if (missing.length > 0 || h < rule.medium_from) return 'low';
  return h < rule.high_from ? 'medium' : 'high';
}

/** Whether `level` is at least `min`. */
export function reaches(level: Confidence, min: Confidence): boolean {
  return CONFIDENCE_LEVELS.indexOf(level) >= CONFIDENCE_LEVELS.indexOf(min);
}

/** The lower of two levels. */
export function lower(a: Confidence, b: Confidence): Confidence {
  return CONFIDENCE_LEVELS.indexOf(a) <= CONFIDENCE_LEVELS.indexOf(b) ? a : b;
}

export function roundHours(h: number): number {
  return Math.round(h * 1000) / 1000;
}
