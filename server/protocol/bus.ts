/** Messages between server nodes on the bus. */
import { z } from 'zod';
import { avlPosition } from './avl';
import { feedEvent } from './frames';

export const busMessage = z.discriminatedUnion('type', [
  /** A committed event with the feed sequence numbers it took. */
  z.object({ type: z.literal('event.committed'), node: z.string(), event: feedEvent, feeds: z.array(z.object({ feed: z.string(), seq: z.number() })) }),
  z.object({ type: z.literal('unit.positions'), node: z.string(), positions: z.array(avlPosition.extend({ districtId: z.string().nullable() })) }),
  z.object({ type: z.literal('unit.notification'), node: z.string(), unitId: z.string(), incidentId: z.string().nullable(), kind: z.string(), at: z.string() }),
  /** A call's SIP effect (an outbox row) sent on by a node that does not hold the call's SIP leg (server/calls/leg-routing.ts). */
  z.object({
    type: z.literal('sip.effect.forward'), node: z.string(), effectId: z.string().min(1).max(80), action: z.string().regex(/^sip\.call\.[a-z.]{1,40}$/),
    callId: z.string().min(1).max(128), row: z.object({ id: z.number().int(), commandId: z.string().max(128) }), params: z.record(z.string(), z.unknown()),
  }),
  /** The node holding the leg took the forwarded effect (it runs it once). */
  z.object({ type: z.literal('sip.effect.accepted'), node: z.string(), to: z.string(), effectId: z.string().min(1).max(80) }),
]);
export type BusMessage = z.infer<typeof busMessage>;
