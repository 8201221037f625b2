/** Scoring config (`scoring:`): which models run and the alarm rules. */
import { z } from 'zod';

export const scoringSchema = z.strictObject({
  enabled: z.boolean().default(false),
}).prefault({});
export type ScoringConfig = z.infer<typeof scoringSchema>;
