/** WebSocket frames between clients and the command server. Discriminated on `type`. */
import { z } from 'zod';
import { actor, id, LIMITS, PROTOCOL_VERSION } from './common';
import { command, commandResult } from './commands';
import { avlPosition } from './avl';
import { mediaClientFrames, mediaServerFrames } from './media';

/**
 * Live feeds a client can subscribe to:
 * - `incident:<incidentId>`: one incident's events;
 * - `queue:<agencyId>`: every incident event of an agency (its queue);
 * - `units:<districtId>`: status events of units whose home station is in the district;
 * - `calls:<agencyId>`: the agency's phone calls and call takers (its ACD queue board).
 */
export const feedName = z.string().max(80).regex(/^(incident|queue|units|calls):[A-Za-z0-9._-]+$/, 'must be incident:<id>, queue:<agencyId>, units:<districtId> or calls:<agencyId>');

export const query = z.discriminatedUnion('type', [
  z.object({ type: z.literal('units.recommend'), incidentId: id, limit: z.number().int().min(1).max(LIMITS.maxRecommendations).optional() }),
  z.object({ type: z.literal('incident.get'), incidentId: id }),
  z.object({ type: z.literal('unit.get'), unitId: id }),
  /** The ACD board of an agency (default: the actor's): waiting calls in answer order, calls in hand, abandoned, agents. */
  z.object({ type: z.literal('calls.board'), agencyId: id.optional() }),
  z.object({ type: z.literal('audit.verify') }),
]);
export type Query = z.infer<typeof query>;

export const clientFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), protocolVersion: z.number().int(), token: z.string().min(1).max(4096) }),
  z.object({ type: z.literal('command'), command }),
  z.object({ type: z.literal('subscribe'), feed: feedName, afterSeq: z.number().int().min(0).optional() }),
  z.object({ type: z.literal('unsubscribe'), feed: feedName }),
  z.object({ type: z.literal('query'), requestId: z.string().min(1).max(64), query }),
  z.object({ type: z.literal('avl.report'), positions: z.array(avlPosition).min(1).max(LIMITS.maxAvlBatch) }),
  z.object({ type: z.literal('ping'), t: z.number().optional() }),
  ...mediaClientFrames,
]);
export type ClientFrame = z.infer<typeof clientFrame>;

/** One stored event as clients see it: the aggregate's public view after the event included. */
export const feedEvent = z.object({
  id: z.number(),
  streamType: z.string(),
  streamId: z.string(),
  version: z.number(),
  type: z.string(),
  payload: z.record(z.string(), z.unknown()),
  state: z.string(),
  view: z.record(z.string(), z.unknown()),
  actor,
  at: z.string(),
  commandId: z.string(),
});
export type FeedEvent = z.infer<typeof feedEvent>;

export const errorBody = z.object({ code: z.string(), message: z.string() });

export const serverFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('welcome'), protocolVersion: z.literal(PROTOCOL_VERSION), nodeId: z.string(), actor }),
  z.object({ type: z.literal('incompatible'), reason: z.enum(['client_too_old', 'client_too_new']), serverProtocolVersion: z.number() }),
  z.object({ type: z.literal('ack'), commandId: z.string(), result: commandResult }),
  z.object({ type: z.literal('nack'), commandId: z.string().nullable(), code: z.string(), message: z.string() }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
  z.object({ type: z.literal('subscribed'), feed: z.string(), seq: z.number(), mode: z.enum(['snapshot', 'resume']) }),
  z.object({ type: z.literal('feed.snapshot'), feed: z.string(), seq: z.number(), items: z.array(z.record(z.string(), z.unknown())) }),
  z.object({ type: z.literal('feed.event'), feed: z.string(), seq: z.number(), event: feedEvent }),
  /** A sequence number used by an event this subscriber may not see; keeps the sequence gap-free. */
  z.object({ type: z.literal('feed.filtered'), feed: z.string(), seq: z.number() }),
  z.object({ type: z.literal('unsubscribed'), feed: z.string() }),
  z.object({ type: z.literal('unit.positions'), feed: z.string(), positions: z.array(avlPosition) }),
  z.object({ type: z.literal('unit.notification'), unitId: z.string(), incidentId: z.string().nullable(), kind: z.string(), at: z.string() }),
  z.object({ type: z.literal('query.result'), requestId: z.string(), result: z.unknown() }),
  z.object({ type: z.literal('query.error'), requestId: z.string(), code: z.string(), message: z.string() }),
  z.object({ type: z.literal('avl.accepted'), count: z.number() }),
  z.object({ type: z.literal('pong'), t: z.number().optional() }),
  ...mediaServerFrames,
]);
export type ServerFrame = z.infer<typeof serverFrame>;
