/**
 * Model cards (`models/<name>.card.json`): what a model expects and produces, where it came from
 * and how good it is. The scoring stage refuses a model whose file does not match its card.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const ioSchema = z.object({ name: z.string().min(1), unit: z.string(), description: z.string() });
/**
 * A model fitted on a log scale outputs that scale from ONNX (where float32 holds its precision:
 * ln(2000) has ulps of 5e-7, 2000 cycles has 1.2e-4) and names how to bring it back to `unit`:
 * `exp` (value = e^output, fitted on ln value) or `expm1` (value = e^output - 1, fitted on ln(value + 1)).
 */
export const outputTransforms = ['identity', 'exp', 'expm1'] as const;
export type OutputTransform = (typeof outputTransforms)[number];
const outputSchema = ioSchema.extend({
  transform: z.enum(outputTransforms).default('identity'),
  /** What the ONNX output itself is, when a transform applies (e.g. "ln(cycles)"). */
  onnx_unit: z.string().optional(),
  /**
   * A value fixed by definition where the model was never trained: e.g. remaining cycles are 0 once
   * the capacity is at or below end of life (input margin_to_eol <= 0), and a model fitted only on
   * rows before end of life would otherwise keep predicting a small positive number there.
   */
  saturate: z.strictObject({ input: z.string().min(1), at_or_below: z.number(), value: z.number() }).optional(),
});

/** The card-scale value of one raw ONNX output. */
export function applyOutputTransform(transform: OutputTransform, raw: number): number {
  if (transform === 'exp') return Math.exp(raw);
  if (transform === 'expm1') return Math.expm1(raw);
  return raw;
}

export const cardSchema = z.object({
  name: z.string().min(1),
  version: z.string().regex(/^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, 'expected a semver version'),
  created: z.string(),
  file: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits'),
  description: z.string(),
  inputs: z.array(ioSchema).min(1),
  outputs: z.array(outputSchema).min(1),
  training_data: z.array(z.object({ name: z.string(), source: z.string(), licence: z.string() })),
  metrics: z.record(z.string(), z.unknown()),
  /** Training distribution per input: histogram bin edges (len n+1) and fractions (len n). */
  feature_distribution: z.record(z.string(), z.object({ edges: z.array(z.number()), fractions: z.array(z.number()) })).default({}),
}).passthrough();
export type ModelCard = z.infer<typeof cardSchema>;

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Reads and validates a card. Throws an Error whose message says what is wrong. */
export function readCard(path: string): ModelCard {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`card ${path}: ${(err as Error).message}`);
  }
  const parsed = cardSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`card ${path}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`);
  }
  for (const out of parsed.data.outputs) {
    if (out.saturate && !parsed.data.inputs.some((i) => i.name === out.saturate?.input)) {
      throw new Error(`card ${path}: outputs.${out.name}.saturate.input "${out.saturate.input}" is not one of the card's inputs`);
    }
  }
  for (const [feature, dist] of Object.entries(parsed.data.feature_distribution)) {
    if (dist.edges.length !== dist.fractions.length + 1) {
      throw new Error(`card ${path}: feature_distribution.${feature} needs one more edge than fractions`);
    }
  }
  return parsed.data;
}
