/** Messages between server nodes on the bus. */
import { z } from 'zod';
import { avlPosition } from './avl';
import { feedEvent } from './frames';
import { actor } from './common';
import { mediaRequest, mediaServerFrames } from './media';

const relayId = z.string().min(1).max(80);

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
  /**
   * A console's media request for a call room held by another node (server/calls/media-relay.ts):
   * to that node, or (`to` null) to whichever node holds the call's SIP leg.
   */
  z.object({
    type: z.literal('media.relay.request'), node: z.string(), to: z.string().nullable(), requestId: relayId, sessionId: relayId,
    callId: z.string().min(1).max(128), actor, request: mediaRequest,
  }),
  /** The holding node took a relayed request (its answer follows). */
  z.object({ type: z.literal('media.relay.accepted'), node: z.string(), to: z.string(), requestId: relayId }),
  z.object({
    type: z.literal('media.relay.response'), node: z.string(), to: z.string(), requestId: relayId,
    outcome: z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), result: z.unknown() }),
      z.object({ ok: z.literal(false), status: z.number().int(), code: z.string().max(64), message: z.string().max(2000) }),
    ]),
  }),
  /** A room event for a console whose session the sending node hosts. */
  z.object({ type: z.literal('media.relay.frame'), node: z.string(), to: z.string(), sessionId: relayId, frame: mediaServerFrames[2] }),
  /** The console's connection closed: the hosting node closes what the session opened there. */
  z.object({ type: z.literal('media.relay.close'), node: z.string(), to: z.string(), sessionId: relayId }),
]);
export type BusMessage = z.infer<typeof busMessage>;
