/** Automatic vehicle location: batches of unit positions from units, gateways and simulators. */
import { z } from 'zod';
import { id, LIMITS } from './common';

export const avlPosition = z.object({
  unitId: id,
  lat: z.number().min(-90, 'latitude must be within -90..90').max(90, 'latitude must be within -90..90'),
  lon: z.number().min(-180, 'longitude must be within -180..180').max(180, 'longitude must be within -180..180'),
  /** ISO 8601 time the fix was taken. */
  at: z.string().datetime({ offset: true, message: 'must be an ISO 8601 timestamp' }),
  heading: z.number().min(0).max(360).optional(),
  speedKmh: z.number().min(0).max(400).optional(),
  accuracyM: z.number().min(0).max(100000).optional(),
});
export type AvlPosition = z.infer<typeof avlPosition>;

export const avlBatch = z.object({ positions: z.array(avlPosition).min(1).max(LIMITS.maxAvlBatch) });
export type AvlBatch = z.infer<typeof avlBatch>;
