/**
 * The audio of one SIP call leg in its call room: a PlainTransport facing the phone, the
 * phone's voice as a producer in the room (browsers consume it over WebRTC, no transcoding),
 * a consumer on the same transport for the other voice of the room (the dispatcher's
 * microphone) — or, when two or more others speak (a conference), for the room mixer's mix of
 * them all (`RoomMixer`: a phone takes one stream), and a tap (a DirectTransport consumer of the phone's producer)
 * that sees RTP arrive (media up), counts it and reads the caller's RFC 4733 key presses.
 *
 *   phone ──RTP G.711──▶ PlainTransport ──producer──▶ room ──▶ browsers (WebRTC)
 *   phone ◀──RTP G.711── PlainTransport ◀──consumers── room ◀── dispatcher microphone
 */
import type { types as ms } from 'mediasoup';
import type { Logger } from '../../server/log';
import type { Room } from '../Room';
import { GuardedEmitter } from '../GuardedEmitter';
import { RtpLatch, type LatchedStream } from './rtp-latch';
import { existingMixer, mixerOf } from './mixers';
import { TelephoneEventDetector, readRtp, type IgnoredReason } from './rfc4733';
import { G711, type G711Codec, type RemoteAudio } from './sdp';

/** How long the latch waits for the phone's first packet before the transport binds anyway. */
const LATCH_TIMEOUT_MS = 3_000;

/** What the phone's producer says of itself in the room. */
export type CallAudioAppData = { source: 'phone'; party?: string };

export type CallAudioEvents = {
  /** The first RTP packet of the phone reached the room. */
  'media.up': [];
  /** A key the caller pressed (RFC 4733), once per press; `pressId` names it in the stream (SSRC and start timestamp). */
  dtmf: [digit: string, durationMs: number, pressId: string];
};

export class CallAudio extends GuardedEmitter<CallAudioEvents> {
  /** RTP packets of the phone seen in the room, and packets sent to the phone (by consumers). */
  packetsFromPhone = 0;
  private transport: ms.PlainTransport | null = null;
  private producer: ms.Producer | null = null;
  private tapTransport: ms.DirectTransport | null = null;
  private readonly consumers = new Map<string, ms.Consumer>();
  private keys: TelephoneEventDetector | null = null;
  private paused = false;
  private closed = false;
  private codec: G711Codec = 'PCMU';
  /** The conference mix this phone hears instead of the single voices, while there is one. */
  private mixProducerId: string | null = null;
  private changes: Promise<void> = Promise.resolve();
  /** What the phone's first packet and SDP told (kept to bind again after a worker death). */
  private stream: { latched: LatchedStream | null; remote: RemoteAudio } | null = null;
  /** Times the leg bound again on a new router, and the last of those bindings. */
  rebinds = 0;
  /** The transport is up and the phone's producer made (when it has one): the room's voices may go to the phone. */
  private bound = false;
  recovered: Promise<void> = Promise.resolve();
  private readonly unwatch: (() => void)[] = [];

  private constructor(
    readonly room: Room, private readonly latch: RtpLatch, readonly announcedIp: string, private readonly log: Logger,
    private readonly appData: CallAudioAppData,
  ) {
    super((err, event) => log.error({ err, event }, 'call audio listener failed'));
  }

  /**
   * Holds a port for the answer's SDP (see RtpLatch). `party` names a phone the server called
   * into the call (consulted or conferenced), in its producer's appData; the caller has none.
   */
  static async open(room: Room, listenIp: string, announcedIp: string | undefined, log: Logger, party: string | null = null): Promise<CallAudio> {
    return new CallAudio(room, await RtpLatch.open(listenIp), announcedIp ?? listenIp, log, party ? { source: 'phone', party } : { source: 'phone' });
  }

  /** The port the SDP announces. */
  get port(): number {
    return this.latch.port;
  }

  get transportId(): string | null {
    return this.transport?.id ?? null;
  }

  get producerId(): string | null {
    return this.producer?.id ?? null;
  }

  /** True while the phone hears the room mixer's conference mix instead of a single voice. */
  get mixing(): boolean {
    return this.mixProducerId !== null && this.consumers.has(this.mixProducerId);
  }

  /** Consumer ids carrying room audio to the phone. */
  get consumerIds(): string[] {
    return [...this.consumers.keys()];
  }

  /**
   * Once the answer went out: waits for the phone's first packet, binds the transport on the
   * announced port, produces the phone's audio and sends the room's other audio to the phone.
   */
  async start(remote: RemoteAudio, codec: G711Codec): Promise<void> {
    const latched = await this.latch.first(LATCH_TIMEOUT_MS);
    if (this.closed) return;
    this.stream = { latched, remote };
    this.codec = codec;
    if (!latched) this.log.warn({ port: this.port }, 'no RTP from the phone in time: its audio cannot be produced (unknown SSRC); the phone still hears the room');
    this.unwatch.push(
      this.room.on('producer.added', this.onRoomChange), this.room.on('producer.closed', this.onRoomChange), this.room.on('reset', this.onReset),
    );
    await this.bind();
  }

  /**
   * The transport on the announced port, sending where the phone sends from, the phone's
   * producer (its SSRC from the first packet), the tap and the room's voices to the phone: at
   * the start, and again on a new router when the room's worker died (`onReset`), so the call
   * keeps its audio on the same port without a re-INVITE.
   */
  private async bind(): Promise<void> {
    const { latched, remote } = this.stream!;
    this.bound = false;
    const transport = await this.room.createPlainTransport({ port: this.latch.port, rtcpMux: true, comedia: false, appData: { source: 'phone' } });
    this.transport = transport;
    if (this.closed) return transport.close();
    // Symmetric RTP: answer where the phone sends from (NAT), else where its SDP said.
    await transport.connect({ ip: latched?.address ?? remote.ip, port: latched?.port ?? remote.port });
    if (latched) await this.produce(latched, remote, this.codec);
    if (this.closed) return;
    this.bound = true;
    this.onRoomChange();
    // The tap and the room's voices to the phone are independent: both at once (each is worker
    // round trips, and audio both ways waits for both).
    await Promise.all([latched && this.producer ? this.tap(latched.ssrc) : undefined, this.changes]);
  }

  /**
   * The room moved to a new router (its worker died): the transport, producer, tap and
   * consumers went with the old one. The leg binds again on its port; the phone, which never
   * stopped sending there, is heard again, and browsers consume its new producer.
   */
  private readonly onReset = (): void => {
    if (this.closed || !this.stream) return;
    this.bound = false;
    this.transport = null;
    this.producer = null;
    this.tapTransport = null;
    this.consumers.clear();
    this.mixProducerId = null;
    this.rebinds++;
    this.recovered = this.bind().then(
      () => this.log.warn({ port: this.port, paused: this.paused }, 'call leg audio bound again on the room\'s new router (its media worker died)'),
      (err) => this.log.error({ err, port: this.port }, 'call leg audio could not be bound again after its media worker died: the call has no audio'),
    );
  };

  /** The room's voices changed: the phone gets them directly, or one mix when there are two or more. */
  private readonly onRoomChange = (): void => {
    this.changes = this.changes.then(() => this.rebalance()).catch((err) => this.log.warn({ err }, 'room audio could not be sent to the phone'));
  };

  /** The room's voices this phone should hear: every audio producer but its own and the mixes. */
  private voices(): string[] {
    return this.room.producerInfos().filter((p) => p.kind === 'audio' && p.source !== 'mix' && p.producerId !== this.producer?.id).map((p) => p.producerId);
  }

  /**
   * A phone takes one stream: with one other voice it gets that voice's producer as is; with two
   * or more (a conference) it gets the room mixer's N-1 mix instead (media/sip/RoomMixer.ts), and
   * back to the single voice when the conference shrinks.
   */
  private async rebalance(): Promise<void> {
    // Not before the phone's own producer is there: it is left out of what the phone hears.
    if (!this.bound || this.closed) return;
    const voices = this.voices();
    if (voices.length >= 2) {
      // The room's mixer is made the first time a phone needs a mix: a two-party call has none
      // (it consumed every voice of every call room, three worker requests per call for nothing).
      const mixer = mixerOf(this.room, this.log);
      if (this.mixProducerId && this.consumers.has(this.mixProducerId)) return;
      const mixId = await mixer.mixFor(this.producer?.id ?? null, this.codec);
      if (this.closed) return;
      for (const [id, consumer] of this.consumers) if (id !== mixId) consumer.close();
      this.mixProducerId = mixId;
      await this.consume(mixId);
      this.log.info({ voices: voices.length }, 'phone hears the conference mix');
      return;
    }
    if (this.mixProducerId) {
      this.consumers.get(this.mixProducerId)?.close();
      this.mixProducerId = null;
      existingMixer(this.room)?.release(this.producer?.id ?? null);
      this.log.info('phone hears the other voice directly again');
    }
    for (const id of voices) await this.consume(id);
  }

  private async produce(latched: LatchedStream, remote: RemoteAudio, codec: G711Codec): Promise<void> {
    const codecs: ms.RtpCodecParameters[] = [{ mimeType: `audio/${codec}`, payloadType: G711[codec], clockRate: 8000 }];
    if (remote.telephoneEvent !== null) codecs.push({ mimeType: 'audio/telephone-event', payloadType: remote.telephoneEvent, clockRate: 8000 });
    this.producer = await this.transport!.produce({
      kind: 'audio', rtpParameters: { codecs, encodings: [{ ssrc: latched.ssrc }] }, appData: { ...this.appData },
    });
    if (this.paused) await this.producer.pause();
  }

  /**
   * A DirectTransport consumer of the phone's audio: media up, packet counts, and the phone's
   * RFC 4733 key presses. Its capabilities are all the room's audio codecs, telephone-event
   * included, and Beacon's worker forwards that codec to consumers (upstream mediasoup drops it:
   * media/patches/mediasoup-3.12.16-telephone-event.patch). The consumer sends the router's
   * payload type, whatever the phone used; its SSRC is the consumer's, so a press is named by
   * the phone's own SSRC.
   */
  private async tap(phoneSsrc: number): Promise<void> {
    const tapTransport = await this.room.createDirectTransport({ source: 'phone-tap' });
    // The leg ended meanwhile (the caller hung up as the call was answered): nothing to tap.
    if (this.closed) return tapTransport.close();
    this.tapTransport = tapTransport;
    const caps: ms.RtpCapabilities = { codecs: this.room.rtpCapabilities.codecs!.filter((c) => c.kind === 'audio') };
    const consumer = await tapTransport.consume({ producerId: this.producer!.id, rtpCapabilities: caps }).catch((err: unknown) => {
      if (this.closed) return null;
      throw err;
    });
    if (!consumer) return;
    const events = consumer.rtpParameters.codecs.find((c) => c.mimeType.toLowerCase() === 'audio/telephone-event');
    const keys = new TelephoneEventDetector(events?.clockRate);
    this.keys = keys;
    consumer.on('rtp', (packet) => {
      if (this.packetsFromPhone++ === 0) this.emit('media.up');
      const rtp = readRtp(packet);
      if (!rtp) return;
      const pressed = events && rtp.payloadType === events.payloadType ? keys.event(rtp.timestamp, rtp.marker, rtp.payload) : keys.audio(rtp.timestamp);
      for (const p of pressed) this.emit('dtmf', p.digit, p.durationMs, `${phoneSsrc}-${p.timestamp}`);
    });
  }

  /** Telephone-event packets of the phone that told no digit, by reason (garbage, other events, repeats). */
  get telephoneEventsIgnored(): Readonly<Record<IgnoredReason, number>> | null {
    return this.keys?.ignored ?? null;
  }

  /**
   * Sends a room producer (not the phone's own) to the phone. Called one change at a time
   * (`changes`): two consumers of one producer would send the phone two copies.
   */
  private async consume(producerId: string): Promise<void> {
    const transport = this.transport;
    if (!transport || this.closed || producerId === this.producer?.id || this.consumers.has(producerId)) return;
    const producer = this.room.producer(producerId);
    if (!producer || producer.kind !== 'audio') return;
    // Mixes are for the phone they were made for.
    if ((producer.appData as { source?: unknown }).source === 'mix' && producerId !== this.mixProducerId) return;
    const codec = this.producer?.rtpParameters.codecs[0]?.mimeType ?? 'audio/PCMU';
    const caps: ms.RtpCapabilities = { codecs: this.room.rtpCapabilities.codecs!.filter((c) => c.mimeType.toLowerCase() === codec.toLowerCase()) };
    if (!this.room.canConsume(producerId, caps)) {
      this.log.warn({ producerId, codec }, 'a room producer is not in the phone\'s codec: not sent to the phone (no transcoding)');
      return;
    }
    const consumer = await transport.consume({ producerId, rtpCapabilities: caps, paused: this.paused, appData: { source: 'phone' } });
    this.consumers.set(producerId, consumer);
    consumer.observer.once('close', () => this.consumers.delete(producerId));
  }

  /** Hold: the phone hears nothing and the room hears nothing of the phone. */
  async hold(): Promise<void> {
    this.paused = true;
    await this.producer?.pause();
    for (const c of this.consumers.values()) await c.pause();
  }

  async resume(): Promise<void> {
    this.paused = false;
    await this.producer?.resume();
    for (const c of this.consumers.values()) await c.resume();
  }

  /** Packets mediasoup sent to the phone so far (all consumers). */
  async packetsToPhone(): Promise<number> {
    let sent = 0;
    for (const c of this.consumers.values()) for (const s of await c.getStats()) if (s.type === 'outbound-rtp') sent += s.packetCount;
    return sent;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.unwatch.splice(0)) off();
    if (this.mixProducerId) existingMixer(this.room)?.release(this.producer?.id ?? null);
    this.latch.close();
    this.transport?.close();
    this.tapTransport?.close();
    this.removeAllListeners();
  }
}
