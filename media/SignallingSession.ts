/**
 * Media signalling of one WebSocket connection: a `Peer` per room it joined, and the answer
 * to each `media.request`. Authorization, checked on every request that reaches into a room:
 * viewing (capabilities, transports, consuming, listing) needs the incident to be readable by
 * the actor; publishing needs a field unit, sending for its own unit, currently assigned to
 * the incident, or (a call room) the agent who has the call. Objects are looked up among this
 * session's own peers only.
 */
import { randomUUID } from 'node:crypto';
import type { types as ms } from 'mediasoup';
import type { Actor, MediaRequest, MediaResult, ServerFrame } from '../server/protocol';
import { BeaconError, MediaRejected, MediaUnavailable, NotAuthorized, NotFound, assertNever } from '../server/errors';
import type { MediaService } from './MediaService';
import { Peer } from './Peer';
import type { Room } from './Room';

const OK: MediaResult<'ok'> = { ok: true };

/** What a WebSocket connection's media signalling offers its connection. */
export interface MediaSession {
  handle(request: MediaRequest): Promise<unknown>;
  close(): void;
}

export class SignallingSession implements MediaSession {
  private readonly peers = new Map<string, Peer>();
  private closed = false;

  constructor(private readonly media: MediaService, readonly id: string, readonly actor: Actor, private readonly send: (frame: ServerFrame) => void) {}

  /** Answers one request; throws a client-safe error (`not_authorized`, `media_unavailable`, ...). */
  async handle(request: MediaRequest): Promise<unknown> {
    if (!this.media.available) throw this.media.unavailable();
    try {
      return await this.dispatch(request);
    } catch (err) {
      if (err instanceof BeaconError) throw err;
      // mediasoup refused the parameters (or the object closed meanwhile).
      throw new MediaRejected(`${request.action}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      // The socket closed while this request was in flight: drop what it created.
      if (this.closed) this.close();
    }
  }

  /** Rooms this session is in. */
  get rooms(): number {
    return this.peers.size;
  }

  /** Leaves every room: closes this connection's transports, producers and consumers. */
  close(): void {
    this.closed = true;
    for (const peer of this.peers.values()) peer.room.leave(peer);
    this.peers.clear();
  }

  private async dispatch(r: MediaRequest): Promise<unknown> {
    switch (r.action) {
      case 'router.capabilities': {
        const { room } = await this.media.viewableRoom(this.actor, r.roomId);
        this.peerIn(room);
        return { roomId: room.id, rtpCapabilities: room.rtpCapabilities } satisfies MediaResult<'router.capabilities'>;
      }
      case 'transport.create': {
        const { room } = r.direction === 'recv' ? await this.media.viewableRoom(this.actor, r.roomId)
          : r.roomId.startsWith('call:') ? { room: await this.media.speakableCallRoom(this.actor, r.roomId) } : await this.publishableRoom(r.roomId);
        const transport = await this.peerIn(room).createTransport(r.direction);
        return {
          transportId: transport.id, direction: r.direction, iceParameters: transport.iceParameters,
          iceCandidates: transport.iceCandidates, dtlsParameters: transport.dtlsParameters,
        } satisfies MediaResult<'transport.create'>;
      }
      case 'transport.create.plain': {
        const { room } = await this.publishableRoom(r.roomId);
        const transport = await this.peerIn(room).createPlainSendTransport();
        return {
          transportId: transport.id, ip: transport.tuple.localIp, port: transport.tuple.localPort, rtcpPort: transport.rtcpTuple!.localPort,
        } satisfies MediaResult<'transport.create.plain'>;
      }
      case 'transport.connect': {
        const transport = this.owner(r.transportId).transport(r.transportId);
        if (!('iceParameters' in transport)) throw new MediaRejected(`transport ${r.transportId} is a plain RTP transport: it needs no DTLS connect`);
        await transport.connect({ dtlsParameters: r.dtlsParameters as ms.DtlsParameters });
        return OK;
      }
      case 'produce': {
        const peer = this.owner(r.transportId);
        peer.transport(r.transportId, 'send');
        if (r.appData.source === 'dispatcher') {
          if (peer.room.id !== `call:${r.appData.callId}`) throw new NotAuthorized(`a dispatcher's microphone publishes into call:${r.appData.callId} only`);
          await this.media.speakableCallRoom(this.actor, peer.room.id);
        } else {
          await this.publishableRoom(peer.room.id, r.appData.unitId);
        }
        const producer = await peer.produce(r.transportId, r.kind, r.rtpParameters as ms.RtpParameters, r.appData);
        return { producerId: producer.id } satisfies MediaResult<'produce'>;
      }
      case 'consume': {
        const peer = this.owner(r.transportId);
        const { incident, call } = await this.media.viewableRoom(this.actor, peer.room.id);
        const consumer = await peer.consume(r.transportId, r.producerId, r.rtpCapabilities as ms.RtpCapabilities);
        // The consumer is paused: no media flows before the viewing is in the access log.
        const unitId = (peer.room.producer(r.producerId)?.appData as { unitId?: string } | undefined)?.unitId ?? null;
        try {
          // Watching a camera and listening to a call are both in the access log before they flow.
          const stream = { streamId: r.producerId, unitId, kind: consumer.kind };
          if (incident) await this.media.viewLog.watch(this.actor, peer.id, incident, stream);
          else if (call) await this.media.viewLog.watchCall(this.actor, peer.id, call, stream);
        } catch (err) {
          consumer.close();
          throw new MediaUnavailable(`the viewing could not be written to the access log, so the stream is withheld; retry (${err instanceof Error ? err.message : String(err)})`);
        }
        return {
          consumerId: consumer.id, producerId: consumer.producerId, kind: consumer.kind, type: consumer.type,
          rtpParameters: consumer.rtpParameters, producerPaused: consumer.producerPaused, paused: consumer.paused,
        } satisfies MediaResult<'consume'>;
      }
      case 'consumer.resume':
        await this.consumer(r.consumerId).resume();
        return OK;
      case 'consumer.pause':
        await this.consumer(r.consumerId).pause();
        return OK;
      case 'consumer.setPreferredLayers':
        await this.consumer(r.consumerId).setPreferredLayers({ spatialLayer: r.spatialLayer, temporalLayer: r.temporalLayer });
        return OK;
      case 'producer.pause':
        await this.producer(r.producerId).pause();
        return OK;
      case 'producer.resume':
        await this.producer(r.producerId).resume();
        return OK;
      case 'producers.list': {
        const { room } = await this.media.viewableRoom(this.actor, r.roomId);
        return { roomId: room.id, producers: room.producerInfos() } satisfies MediaResult<'producers.list'>;
      }
      case 'room.leave': {
        const peer = this.peers.get(r.roomId);
        this.peers.delete(r.roomId);
        peer?.room.leave(peer);
        return OK;
      }
      case 'close':
        this.owner(r.id).closeObject(r.id);
        return OK;
      default:
        return assertNever(r);
    }
  }

  /**
   * The room if this actor may publish into it: a field unit (a body camera publishes only for
   * its own unit, `unitId` when given) currently assigned to the room's incident.
   */
  private async publishableRoom(roomId: string, unitId?: string): Promise<{ room: Room }> {
    const a = this.actor;
    if (a.role !== 'field_unit' || !a.unitId) {
      throw new NotAuthorized(`only a field unit's body camera publishes media; ${a.username} is ${a.role === 'system' ? 'the system' : `a ${a.role}`}`);
    }
    if (unitId !== undefined && unitId !== a.unitId) {
      throw new NotAuthorized(`a body camera publishes only for its own unit: ${a.username} is unit ${a.unitId}, not ${unitId}`);
    }
    const incidentId = roomId.slice('incident:'.length);
    try {
      const { room, incident } = await this.media.viewableRoom(a, roomId);
      if (!incident || !(a.unitId in incident.units)) throw new NotAuthorized('not assigned');
      return { room };
    } catch (err) {
      if (err instanceof NotAuthorized) throw new NotAuthorized(`unit ${a.unitId} is not assigned to incident ${incidentId}; a body camera publishes only into its own incident`);
      throw err;
    }
  }

  /** This session's peer in `room`, joining it on first use (or after the room was rebuilt). */
  private peerIn(room: Room): Peer {
    const known = this.peers.get(room.id);
    if (known && known.room === room && room.has(known)) return known;
    const id = randomUUID();
    const peer = new Peer(id, this.actor, room, (frame) => this.send(frame), () => void this.media.viewLog.leave(this.actor, id));
    room.join(peer);
    this.peers.set(room.id, peer);
    return peer;
  }

  /** The peer that owns a transport, producer or consumer of this session. */
  private owner(objectId: string): Peer {
    for (const peer of this.peers.values()) if (peer.owns(objectId)) return peer;
    throw new NotFound(`no transport, producer or consumer ${objectId} in your media session`);
  }

  private consumer(consumerId: string): ms.Consumer {
    const found = this.owner(consumerId).consumer(consumerId);
    if (!found) throw new NotFound(`${consumerId} is not one of your consumers`);
    return found;
  }

  private producer(producerId: string): ms.Producer {
    const found = this.owner(producerId).producer(producerId);
    if (!found) throw new NotFound(`${producerId} is not one of your producers`);
    return found;
  }
}
