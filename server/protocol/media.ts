/**
 * Media signalling over the live WebSocket (mediasoup-client on the browser side): the client
 * asks with `media.request` frames and gets `media.response` or `media.error` with the same
 * `requestId`; rooms push `media.event` frames to the peers in them. WebRTC parameters are
 * checked structurally here (shapes, sizes) and semantically by mediasoup itself.
 */
import { z } from 'zod';
import { id } from './common';

/** A media room: `incident:<incidentId>` or `call:<callId>` (later `talkgroup:<id>`). */
export const mediaRoomId = z.string().max(80).regex(/^(incident|call):[A-Za-z0-9._-]+$/, 'must be incident:<incidentId> or call:<callId>');
export type MediaRoomId = z.infer<typeof mediaRoomId>;

/** mediasoup object ids (transports, producers, consumers) are UUIDs. */
const mediaObjectId = z.string().min(1).max(64).regex(/^[A-Za-z0-9-]+$/, 'must be a media object id');
const mimeType = z.string().max(64).regex(/^(audio|video)\/[A-Za-z0-9._-]+$/, 'must be audio/<codec> or video/<codec>');
const codecParameters = z.record(z.string().max(64), z.union([z.string().max(256), z.number()]));
const rtcpFeedback = z.array(z.looseObject({ type: z.string().max(32), parameter: z.string().max(32).optional() })).max(16);
const payloadType = z.number().int().min(0).max(127);

/** DTLS parameters of a WebRTC endpoint: its role and certificate fingerprints. */
export const dtlsParameters = z.looseObject({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z.array(z.object({
    algorithm: z.enum(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']),
    value: z.string().min(1).max(256),
  })).min(1).max(8),
});

/** What a producer sends (mediasoup-client's `rtpParameters`). */
export const rtpParameters = z.looseObject({
  mid: z.string().max(32).optional(),
  codecs: z.array(z.looseObject({
    mimeType, payloadType, clockRate: z.number().int().min(1).max(200_000),
    channels: z.number().int().min(1).max(8).optional(), parameters: codecParameters.optional(), rtcpFeedback: rtcpFeedback.optional(),
  })).min(1).max(16),
  headerExtensions: z.array(z.looseObject({
    uri: z.string().max(256), id: z.number().int().min(1).max(255), encrypt: z.boolean().optional(), parameters: codecParameters.optional(),
  })).max(32).optional(),
  encodings: z.array(z.looseObject({
    ssrc: z.number().int().min(0).max(0xffffffff).optional(), rid: z.string().max(32).optional(),
    codecPayloadType: payloadType.optional(), rtx: z.object({ ssrc: z.number().int().min(0).max(0xffffffff) }).optional(),
    dtx: z.boolean().optional(), scalabilityMode: z.string().max(16).optional(), maxBitrate: z.number().min(0).optional(),
  })).max(8).optional(),
  rtcp: z.looseObject({ cname: z.string().max(256).optional(), reducedSize: z.boolean().optional(), mux: z.boolean().optional() }).optional(),
});

/** What a consuming device can receive (mediasoup-client's `device.rtpCapabilities`). */
export const rtpCapabilities = z.looseObject({
  codecs: z.array(z.looseObject({
    kind: z.enum(['audio', 'video']), mimeType, preferredPayloadType: payloadType.optional(), clockRate: z.number().int().min(1).max(200_000),
    channels: z.number().int().min(1).max(8).optional(), parameters: codecParameters.optional(), rtcpFeedback: rtcpFeedback.optional(),
  })).max(64).optional(),
  headerExtensions: z.array(z.looseObject({
    kind: z.enum(['audio', 'video']), uri: z.string().max(256), preferredId: z.number().int().min(1).max(255),
    preferredEncrypt: z.boolean().optional(), direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional(),
  })).max(64).optional(),
});

/** Who publishes: a body camera for its own unit, or the microphone of a dispatcher on a call (into `call:<callId>`). */
export const producerAppData = z.discriminatedUnion('source', [
  z.object({ source: z.literal('bodycam'), unitId: id }),
  z.object({ source: z.literal('dispatcher'), callId: id }),
]);

/** What a client asks of the media plane, discriminated on `action`. */
export const mediaRequest = z.discriminatedUnion('action', [
  z.object({ action: z.literal('router.capabilities'), roomId: mediaRoomId }),
  z.object({ action: z.literal('transport.create'), roomId: mediaRoomId, direction: z.enum(['send', 'recv']) }),
  /**
   * A plain RTP transport for a camera that does not speak WebRTC (an RTP/RTSP body-camera
   * gateway, a simulator): the server learns the sender's address from its first packets
   * (comedia); RTCP on its own port.
   */
  z.object({ action: z.literal('transport.create.plain'), roomId: mediaRoomId }),
  z.object({ action: z.literal('transport.connect'), transportId: mediaObjectId, dtlsParameters }),
  z.object({ action: z.literal('produce'), transportId: mediaObjectId, kind: z.enum(['audio', 'video']), rtpParameters, appData: producerAppData }),
  /** The consumer starts paused: resume it once the client's consumer is set up. */
  z.object({ action: z.literal('consume'), transportId: mediaObjectId, producerId: mediaObjectId, rtpCapabilities }),
  z.object({ action: z.literal('consumer.resume'), consumerId: mediaObjectId }),
  z.object({ action: z.literal('consumer.pause'), consumerId: mediaObjectId }),
  z.object({ action: z.literal('producer.pause'), producerId: mediaObjectId }),
  z.object({ action: z.literal('producer.resume'), producerId: mediaObjectId }),
  /** A viewer asks for the simulcast / SVC layer its tile needs. */
  z.object({
    action: z.literal('consumer.setPreferredLayers'), consumerId: mediaObjectId,
    spatialLayer: z.number().int().min(0).max(3), temporalLayer: z.number().int().min(0).max(3).optional(),
  }),
  z.object({ action: z.literal('producers.list'), roomId: mediaRoomId }),
  /** Leaves a room: closes this session's transports, producers and consumers in it (a viewer stopped watching). */
  z.object({ action: z.literal('room.leave'), roomId: mediaRoomId }),
  /** Closes one of the caller's own transports, producers or consumers. */
  z.object({ action: z.literal('close'), id: mediaObjectId }),
]);
export type MediaRequest = z.infer<typeof mediaRequest>;
export type MediaAction = MediaRequest['action'];

/** A producer as viewers see it (`producers.list`, `producer.added`). */
export const mediaProducerInfo = z.object({
  producerId: z.string(), kind: z.enum(['audio', 'video']), source: z.string(), unitId: z.string().nullable(), paused: z.boolean(),
});
export type MediaProducerInfo = z.infer<typeof mediaProducerInfo>;

/** Results by action (the `result` of a `media.response`). */
export const mediaResults = {
  'router.capabilities': z.object({ roomId: z.string(), rtpCapabilities: z.record(z.string(), z.unknown()) }),
  'transport.create': z.object({
    transportId: z.string(), direction: z.enum(['send', 'recv']), iceParameters: z.record(z.string(), z.unknown()),
    iceCandidates: z.array(z.record(z.string(), z.unknown())), dtlsParameters: z.record(z.string(), z.unknown()),
  }),
  'transport.create.plain': z.object({ transportId: z.string(), ip: z.string(), port: z.number(), rtcpPort: z.number() }),
  produce: z.object({ producerId: z.string() }),
  consume: z.object({
    consumerId: z.string(), producerId: z.string(), kind: z.enum(['audio', 'video']), type: z.string(),
    rtpParameters: z.record(z.string(), z.unknown()), producerPaused: z.boolean(), paused: z.boolean(),
  }),
  'producers.list': z.object({ roomId: z.string(), producers: z.array(mediaProducerInfo) }),
  ok: z.object({ ok: z.literal(true) }),
} as const;
export type MediaResult<K extends keyof typeof mediaResults> = z.infer<(typeof mediaResults)[K]>;

/** Room events pushed to the peers of a room. */
export const mediaEventName = z.enum(['producer.added', 'producer.closed', 'room.reset', 'room.closed']);
export type MediaEventName = z.infer<typeof mediaEventName>;

/** Client → server media frames (members of `clientFrame`). */
export const mediaClientFrames = [
  z.object({ type: z.literal('media.request'), requestId: z.string().min(1).max(64), request: mediaRequest }),
] as const;

/** Server → client media frames (members of `serverFrame`). */
export const mediaServerFrames = [
  z.object({ type: z.literal('media.response'), requestId: z.string(), result: z.unknown() }),
  z.object({ type: z.literal('media.error'), requestId: z.string().nullable(), code: z.string(), message: z.string() }),
  /**
   * Pushed to the peers of a room. `room.reset`: the media worker was replaced and every
   * transport is gone; ask for the capabilities again and reconnect. `room.closed`: the
   * incident closed.
   */
  z.object({
    type: z.literal('media.event'), roomId: z.string(), event: mediaEventName,
    producerId: z.string().optional(), unitId: z.string().nullable().optional(), kind: z.enum(['audio', 'video']).optional(),
  }),
] as const;
