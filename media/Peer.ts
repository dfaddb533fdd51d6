/**
 * One signalling session's media state within one room: its WebRTC transports and the
 * producers and consumers on them. The peer asks its room for transports and never holds
 * the router; it only finds, counts and closes what it owns. Closing the socket closes the
 * transports, and with them every producer and consumer on them.
 */
import type { types as ms } from 'mediasoup';
import { LIMITS, type Actor } from '../server/protocol';
import { MediaRejected, NotFound } from '../server/errors';
import type { MediaEventFrame, Room } from './Room';

/** `send`: a body camera publishing; `recv`: a viewer. */
export type TransportDirection = 'send' | 'recv';

export class Peer {
  private readonly transports = new Map<string, ms.WebRtcTransport | ms.PlainTransport>();
  private readonly producers = new Map<string, ms.Producer>();
  private readonly consumers = new Map<string, ms.Consumer>();
  private hasLeft = false;

  /**
   * @param id unique per signalling session and room
   * @param notify sends a room event to this peer's client
   * @param onLeft called once when the peer leaves the room (for the access log)
   */
  constructor(
    readonly id: string, readonly actor: Actor, readonly room: Room, private readonly notify_: (frame: MediaEventFrame) => void,
    private readonly onLeft: () => void = () => undefined,
  ) {}

  /** The peer is out of the room for good (its room closed, it was dismissed, its socket closed). */
  left(): void {
    if (this.hasLeft) return;
    this.hasLeft = true;
    this.onLeft();
  }

  notify(frame: MediaEventFrame): void {
    this.notify_(frame);
  }

  async createTransport(direction: TransportDirection): Promise<ms.WebRtcTransport> {
    this.assertRoomForTransport();
    const transport = await this.room.createWebRtcTransport({ peerId: this.id, direction, actorId: this.actor.id });
    this.keep(transport);
    return transport;
  }

  /** A plain RTP send transport (comedia: the sender's address is learnt from its packets). */
  async createPlainSendTransport(): Promise<ms.PlainTransport> {
    this.assertRoomForTransport();
    const transport = await this.room.createPlainTransport({ comedia: true, rtcpMux: false, appData: { peerId: this.id, direction: 'send', actorId: this.actor.id } });
    this.keep(transport);
    return transport;
  }

  private assertRoomForTransport(): void {
    if (this.transports.size >= LIMITS.maxMediaTransportsPerPeer) {
      throw new MediaRejected(`at most ${LIMITS.maxMediaTransportsPerPeer} transports per room and session; close one first`);
    }
  }

  private keep(transport: ms.WebRtcTransport | ms.PlainTransport): void {
    this.transports.set(transport.id, transport);
    (transport as ms.Transport).observer.once('close', () => void this.transports.delete(transport.id));
  }

  async produce(transportId: string, kind: ms.MediaKind, rtpParameters: ms.RtpParameters, appData: Record<string, unknown>): Promise<ms.Producer> {
    const transport = this.transport(transportId, 'send');
    if (this.producers.size >= LIMITS.maxMediaProducersPerPeer) {
      throw new MediaRejected(`at most ${LIMITS.maxMediaProducersPerPeer} producers per room and session`);
    }
    // Who publishes is the server's word, not the client's: the recorder names a dispatcher's
    // call leg after it (`agent:<username>`), so a client's own appData cannot override it.
    const producer = await transport.produce({ kind, rtpParameters, appData: { ...appData, peerId: this.id, actorId: this.actor.id, username: this.actor.username } });
    this.producers.set(producer.id, producer);
    producer.observer.once('close', () => void this.producers.delete(producer.id));
    return producer;
  }

  /** A consumer of a producer of this room, created paused (resume once the client is ready). */
  async consume(transportId: string, producerId: string, rtpCapabilities: ms.RtpCapabilities): Promise<ms.Consumer> {
    const transport = this.transport(transportId, 'recv');
    if (!this.room.producer(producerId)) throw new NotFound(`producer ${producerId} is not in media room ${this.room.id}`);
    if (!this.room.canConsume(producerId, rtpCapabilities)) {
      throw new MediaRejected(`this device cannot receive producer ${producerId}: no codec in common`);
    }
    if (this.consumers.size >= LIMITS.maxMediaConsumersPerPeer) {
      throw new MediaRejected(`at most ${LIMITS.maxMediaConsumersPerPeer} consumers per room and session`);
    }
    const consumer = await transport.consume({ producerId, rtpCapabilities, paused: true, appData: { peerId: this.id } });
    this.consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => void this.consumers.delete(consumer.id));
    return consumer;
  }

  /** One of this peer's transports; with `direction`, only one of that direction. */
  transport(transportId: string, direction?: TransportDirection): ms.WebRtcTransport | ms.PlainTransport {
    const transport = this.transports.get(transportId);
    if (!transport) throw new NotFound(`transport ${transportId} is not yours in media room ${this.room.id}`);
    if (direction && transport.appData.direction !== direction) {
      throw new MediaRejected(`transport ${transportId} is a ${String(transport.appData.direction)} transport; use a ${direction} transport`);
    }
    return transport;
  }

  /** Whether a transport, producer or consumer with this id is this peer's. */
  owns(id: string): boolean {
    return this.transports.has(id) || this.producers.has(id) || this.consumers.has(id);
  }

  producer(producerId: string): ms.Producer | undefined {
    return this.producers.get(producerId);
  }

  consumer(consumerId: string): ms.Consumer | undefined {
    return this.consumers.get(consumerId);
  }

  /** Closes one of this peer's transports, producers or consumers; false when none has the id. */
  closeObject(id: string): boolean {
    const found = this.transports.get(id) ?? this.producers.get(id) ?? this.consumers.get(id);
    found?.close();
    return found !== undefined;
  }

  closeTransports(): void {
    for (const transport of [...this.transports.values()]) transport.close();
    this.forget();
  }

  /** Drops every reference (their router is gone: room rebuilt or closed). */
  forget(): void {
    this.transports.clear();
    this.producers.clear();
    this.consumers.clear();
  }

  get counts(): { transports: number; producers: number; consumers: number } {
    return { transports: this.transports.size, producers: this.producers.size, consumers: this.consumers.size };
  }
}
