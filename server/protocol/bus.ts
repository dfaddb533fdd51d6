/** Messages between server nodes on the bus. */
import { z } from 'zod';
import { avlPosition } from './avl';
import { feedEvent } from './frames';

export const busMessage = z.discriminatedUnion('type', [
  /** A committed event with the feed sequence numbers it took. */
  z.object({ type: z.literal('event.committed'), node: z.string(), event: feedEvent, feeds: z.array(z.object({ feed: z.string(), seq: z.number() })) }),
  z.object({ type: z.literal('unit.positions'), node: z.string(), positions: z.array(avlPosition.extend({ districtId: z.string().nullable() })) }),
  z.object({ type: z.literal('unit.notification'), node: z.string(), unitId: z.string(), incidentId: z.string().nullable(), kind: z.string(), at: z.string() }),
]);
export type BusMessage = z.infer<typeof busMessage>;
