/**
 * A media room: one mediasoup router (an incident's video and audio now; a call or a talkgroup
 * later) and the peers in it. Peers ask the room for transports instead of holding the router,
 * so the room can swap its router when its worker dies: `rebuild()` moves to a new router,
 * every old transport, producer and consumer is gone, and the peers are told to reconnect
 * (`room.reset`). Every producer in the router is announced to the peers, whatever its
 * transport (WebRTC from a body camera, plain RTP from a SIP or radio gateway).
 */
import type { types as ms } from 'mediasoup';
import type { Logger } from '../server/log';
import type { Actor, MediaEventName, MediaProducerInfo, ServerFrame } from '../server/protocol';
import { MediaUnavailable } from '../server/errors';
import { GuardedEmitter } from './GuardedEmitter';
import type { Peer } from './Peer';

/** Codecs every room's router offers: Opus for voice, VP8 and H.264 (baseline) for video. */
export const ROOM_MEDIA_CODECS: ms.RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 1000 } },
  {
    kind: 'video', mimeType: 'video/H264', clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1, 'x-google-start-bitrate': 1000 },
  },
];

/**
 * Codecs of a call room: G.711 only, so a phone's PCMU/PCMA reaches the browser and the
 * browser's microphone reaches the phone without transcoding (mediasoup-client then produces
 * PCMU); telephone-event (RFC 4733 DTMF) rides along with the phone's audio.
 */
export const CALL_MEDIA_CODECS: ms.RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/PCMU', clockRate: 8000, preferredPayloadType: 0 },
  { kind: 'audio', mimeType: 'audio/PCMA', clockRate: 8000, preferredPayloadType: 8 },
  { kind: 'audio', mimeType: 'audio/telephone-event', clockRate: 8000, preferredPayloadType: 101 },
];

/** Where transports listen and what address they announce to clients. */
export interface MediaListen {
  ip: string;
  announcedIp?: string;
}

/** A `media.event` frame as sent to one peer. */
export type MediaEventFrame = Extract<ServerFrame, { type: 'media.event' }>;

/** What a room tells its in-process listeners (its peers get `media.event` frames). */
export type RoomEvents = {
  'producer.added': [MediaProducerInfo];
  'producer.closed': [producerId: string, unitId: string | null];
  /** The router was replaced (worker death): every transport is gone. */
  reset: [routerId: string];
  /** The router closed with its worker; the room waits for `rebuild()`. */
  orphaned: [];
  close: [];
};

export class Room extends GuardedEmitter<RoomEvents> {
  private readonly peers = new Map<string, Peer>();
  private readonly producers = new Map<string, ms.Producer>();
  private closedFlag = false;

  private constructor(
    readonly id: string, private router: ms.Router, private readonly listen: MediaListen, private readonly log: Logger,
    private readonly codecs: ms.RtpCodecCapability[],
  ) {
    super((err, event) => log.error({ err, event, roomId: id }, 'media room listener failed'));
    this.watch(router);
  }

  /** Opens a room on a worker (the pool's least-loaded pick). */
  static async create(id: string, worker: ms.Worker, listen: MediaListen, log: Logger, codecs = ROOM_MEDIA_CODECS): Promise<Room> {
    const router = await worker.createRouter({ mediaCodecs: codecs, appData: { roomId: id } });
    return new Room(id, router, listen, log.child({ roomId: id }), codecs);
  }

  get routerId(): string {
    return this.router.id;
  }

  get rtpCapabilities(): ms.RtpCapabilities {
    return this.router.rtpCapabilities;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** True when the router died with its worker and the room waits to be rebuilt. */
  get orphaned(): boolean {
    return !this.closedFlag && this.router.closed;
  }

  get peerCount(): number {
    return this.peers.size;
  }

  join(peer: Peer): void {
    this.peers.set(peer.id, peer);
  }

  /** The actors of the peers in the room (one per signalling session). */
  actors(): Actor[] {
    return [...this.peers.values()].map((p) => p.actor);
  }

  /** Removes the peer and closes its transports (with their producers and consumers). */
  leave(peer: Peer): void {
    if (this.peers.get(peer.id) === peer) this.peers.delete(peer.id);
    peer.closeTransports();
    peer.left();
  }

  has(peer: Peer): boolean {
    return this.peers.get(peer.id) === peer;
  }

  /**
   * Sends away the peers whose actor no longer may be here (a crew released from the
   * incident): each is told `room.closed` and its transports, producers and consumers close.
   */
  dismiss(mayStay: (actor: Actor) => boolean): number {
    let dismissed = 0;
    for (const peer of [...this.peers.values()]) {
      if (mayStay(peer.actor)) continue;
      peer.notify({ type: 'media.event', roomId: this.id, event: 'room.closed' });
      this.leave(peer);
      dismissed++;
    }
    if (dismissed) this.log.info({ dismissed }, 'peers no longer entitled left the media room');
    return dismissed;
  }

  producerInfos(): MediaProducerInfo[] {
    return [...this.producers.values()].map(producerInfo);
  }

  producer(producerId: string): ms.Producer | undefined {
    return this.producers.get(producerId);
  }

  canConsume(producerId: string, rtpCapabilities: ms.RtpCapabilities): boolean {
    return this.router.canConsume({ producerId, rtpCapabilities });
  }

  /** A WebRTC transport for a browser, UDP preferred, TCP as the fallback. */
  async createWebRtcTransport(appData: Record<string, unknown>): Promise<ms.WebRtcTransport> {
    this.assertUsable();
    return this.router.createWebRtcTransport({
      listenIps: [{ ip: this.listen.ip, announcedIp: this.listen.announcedIp }],
      enableUdp: true, enableTcp: true, preferUdp: true, initialAvailableOutgoingBitrate: 1_000_000, appData,
    });
  }

  /** A plain RTP transport (SIP phones, radio gateways, non-browser sources and sinks). */
  async createPlainTransport(options: Omit<ms.PlainTransportOptions, 'listenIp'> = {}): Promise<ms.PlainTransport> {
    this.assertUsable();
    return this.router.createPlainTransport({ ...options, listenIp: { ip: this.listen.ip, announcedIp: this.listen.announcedIp } });
  }

  /** A transport whose RTP reaches this process (a call leg's tap: media up, DTMF). */
  async createDirectTransport(appData: Record<string, unknown> = {}): Promise<ms.DirectTransport> {
    this.assertUsable();
    return this.router.createDirectTransport({ maxMessageSize: 262_144, appData });
  }

  /**
   * Moves the room to a new router on `worker` (after its worker died): the old router and
   * everything in it is closed, the peers forget their transports and are told to reconnect.
   */
  async rebuild(worker: ms.Worker): Promise<void> {
    if (this.closedFlag) return;
    const old = this.router;
    const router = await worker.createRouter({ mediaCodecs: this.codecs, appData: { roomId: this.id } });
    if (this.closedFlag) {
      router.close();
      return;
    }
    this.router = router;
    this.watch(router);
    if (!old.closed) old.close();
    this.producers.clear();
    for (const peer of this.peers.values()) peer.forget();
    this.log.warn({ oldRouterId: old.id, routerId: router.id, peers: this.peers.size }, 'media room rebuilt on a new router');
    this.broadcast('room.reset');
    this.emit('reset', router.id);
  }

  /** Closes the router (every transport in it) and tells the peers. Idempotent. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.broadcast('room.closed');
    for (const peer of this.peers.values()) {
      peer.forget();
      peer.left();
    }
    this.peers.clear();
    if (!this.router.closed) this.router.close();
    this.producers.clear();
    this.emit('close');
    this.removeAllListeners();
  }

  private assertUsable(): void {
    if (this.closedFlag) throw new MediaUnavailable(`media room ${this.id} is closed`);
    if (this.router.closed) throw new MediaUnavailable(`media room ${this.id} is being rebuilt after a media worker failure; reconnect after room.reset`);
  }

  private broadcast(event: MediaEventName, extra: Partial<MediaEventFrame> = {}): void {
    const frame: MediaEventFrame = { type: 'media.event', roomId: this.id, event, ...extra };
    for (const peer of this.peers.values()) peer.notify(frame);
  }

  private watch(router: ms.Router): void {
    router.on('workerclose', () => {
      if (router !== this.router || this.closedFlag) return;
      this.log.error({ routerId: router.id }, 'media room lost its router with its worker');
      this.emit('orphaned');
    });
    router.observer.on('newtransport', (transport) => {
      transport.observer.on('newproducer', (producer) => {
        if (router !== this.router) return;
        this.producers.set(producer.id, producer);
        const info = producerInfo(producer);
        producer.observer.once('close', () => {
          this.producers.delete(producer.id);
          // Closed with the router (room closed or rebuilt): the peers hear that instead.
          if (router.closed || router !== this.router) return;
          this.broadcast('producer.closed', { producerId: producer.id, unitId: info.unitId, kind: info.kind });
          this.emit('producer.closed', producer.id, info.unitId);
        });
        this.broadcast('producer.added', { producerId: producer.id, unitId: info.unitId, kind: info.kind });
        this.emit('producer.added', info);
      });
    });
  }
}

function producerInfo(producer: ms.Producer): MediaProducerInfo {
  const appData = producer.appData as { source?: unknown; unitId?: unknown };
  return {
    producerId: producer.id, kind: producer.kind, source: typeof appData.source === 'string' ? appData.source : 'unknown',
    unitId: typeof appData.unitId === 'string' ? appData.unitId : null, paused: producer.paused,
  };
}
