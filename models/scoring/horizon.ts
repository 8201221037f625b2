/**
 * Horizon inputs: a model whose probability is "within H days" can take H as an input that the
 * operator sets in config rather than one measured from telemetry (failure_pack: input
 * `horizon_days`, config `scoring.failure_pack.horizon_days`). The card's `horizon` block names the
 * input and the range of horizons the model was trained for:
 *
 *   "horizon": { "input": "horizon_days", "config": "scoring.failure_pack.horizon_days",
 *                "min_days": 1, "max_days": 30, "trained_days": [1, 3, 7, 14, 30], ... }
 *
 * Outside that range the model would extrapolate (a tree model goes flat), so a configured horizon
 * outside it makes the model unavailable, with the key and the range in the reason, rather than
 * scoring with numbers nobody measured. The config schema already rejects values outside the
 * shipped model's range (models/config.ts); this check covers a model swapped in later.
 */
import { z } from 'zod';
import type { ScoringConfig } from '../config.js';
import type { ModelCard } from './card.js';

export const HORIZON_CONFIG_KEY = 'scoring.failure_pack.horizon_days';

const horizonSchema = z.object({
  input: z.string().min(1),
  min_days: z.number().positive(),
  max_days: z.number().positive(),
}).passthrough().refine((h) => h.min_days <= h.max_days, 'min_days must not exceed max_days');
export type HorizonSpec = z.infer<typeof horizonSchema>;

/** Parsed once per loaded card: the stage asks for every row it builds. */
const parsedSpecs = new WeakMap<ModelCard, HorizonSpec | null>();

/** The card's horizon block, or null when it has none. Throws when the block is malformed. */
export function horizonSpec(card: ModelCard): HorizonSpec | null {
  if (parsedSpecs.has(card)) return parsedSpecs.get(card) ?? null;
  const spec = parseHorizon(card);
  parsedSpecs.set(card, spec);
  return spec;
}

function parseHorizon(card: ModelCard): HorizonSpec | null {
  const raw = (card as Record<string, unknown>).horizon;
  if (raw === undefined) return null;
  const parsed = horizonSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${issue?.path.join('.') || '(block)'} ${issue?.message ?? 'invalid'}`);
  }
  if (!card.inputs.some((i) => i.name === parsed.data.input)) throw new Error(`input "${parsed.data.input}" is not one of the card's inputs`);
  return parsed.data;
}

/** The horizon the config asks this model for, when it takes one. */
export function configuredHorizon(card: ModelCard, config: Pick<ScoringConfig, 'failure_pack'>): { input: string; days: number } | null {
  const spec = horizonSpec(card);
  return spec ? { input: spec.input, days: config.failure_pack.horizon_days } : null;
}

/** Throws, naming the config key and the trained range, when the configured horizon is outside it. */
export function checkHorizon(card: ModelCard, config: Pick<ScoringConfig, 'failure_pack'>): void {
  const spec = horizonSpec(card);
  if (!spec) return;
  const days = config.failure_pack.horizon_days;
  if (days < spec.min_days || days > spec.max_days) {
    throw new Error(`${HORIZON_CONFIG_KEY} is ${days} days, outside the horizons model ${card.name} ${card.version} was trained for `
      + `(${spec.min_days} to ${spec.max_days} days); not scoring with it`);
  }
}

/**
 * Config-supplied inputs of a model, by input name, to lay over the device's telemetry features
 * before the feature row is built from the card's input names (models/scoring/features.ts featureRow).
 */
export function configInputs(card: ModelCard, config: Pick<ScoringConfig, 'failure_pack'>): Record<string, number> {
  const h = configuredHorizon(card, config);
  return h ? { [h.input]: h.days } : {};
}
