/**
 * Turns a model's raw output row into the named outputs of its prediction record.
 *
 * Plain models: output i of the card is output i of the row.
 * Residual models (card has a `residual` block, e.g. anomaly_pack): the model predicts what a
 * healthy device would show for some observed features given its operating point; the stage
 * compares that with what the device really shows:
 *   z_<group> = (observed - expected) / sigma      (sigma: residual std on normal training data)
 *   anomaly_score = max |z|,   anomaly_type = index of that group in `groups` (card order)
 * A group whose observed feature the device does not report (a BMS without temperature sensors)
 * has no z; it is named in `missing`, and the score is over the other groups (none: no output).
 */
import { z } from 'zod';
import type { ModelCard } from './card.js';

const residualSchema = z.object({
  observed: z.array(z.string()).min(1),
  sigma: z.array(z.number().positive()).min(1),
  groups: z.array(z.string()).min(1),
});
export type ResidualSpec = z.infer<typeof residualSchema>;

export function residualSpec(card: ModelCard): ResidualSpec | null {
  const raw = (card as Record<string, unknown>).residual;
  if (raw === undefined) return null;
  const spec = residualSchema.parse(raw);
  const k = card.outputs.length;
  if (spec.observed.length !== k || spec.sigma.length !== k || spec.groups.length !== k) {
    throw new Error(`residual block of ${card.name}: observed, sigma and groups need ${k} entries (one per output)`);
  }
  return spec;
}

/** The observed features a residual model needs besides its inputs. */
export function extraFeatures(card: ModelCard): string[] {
  return residualSpec(card)?.observed ?? [];
}

export function namedOutputs(card: ModelCard, row: Float32Array, features: Record<string, number>, missing: string[] = []): Record<string, number> | null {
  const spec = residualSpec(card);
  const out: Record<string, number> = {};
  if (!spec) {
    card.outputs.forEach((o, i) => { out[o.name] = row[i] as number; });
    return out;
  }
  let best = -1;
  let bestAbs = -1;
  for (let i = 0; i < spec.observed.length; i++) {
    const observed = features[spec.observed[i] as string];
    if (observed === undefined || !Number.isFinite(observed)) {
      missing.push(spec.observed[i] as string);
      continue;
    }
    const zi = (observed - (row[i] as number)) / (spec.sigma[i] as number);
    out[`z_${spec.groups[i]}`] = zi;
    if (Math.abs(zi) > bestAbs) { bestAbs = Math.abs(zi); best = i; }
  }
  if (best < 0) return null;
  out.anomaly_score = bestAbs;
  out.anomaly_type = best;
  return out;
}
