/** Upstream sinks' config blocks (`sinks:`). Each sink adds its block here. */
import { z } from 'zod';

export const sinksSchema = z.strictObject({}).prefault({});
export type SinksConfig = z.infer<typeof sinksSchema>;
