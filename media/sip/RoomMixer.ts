/**
 * The conference mix of a call room, for phones. A browser mixes what it consumes itself; a
 * phone takes one stream, so a phone that must hear two or more others hears a mix: every
 * G.711 voice of the room but its own (N-1), made in this process on one DirectTransport —
 * each voice consumed once, decoded into its FIFO (`mix-source.ts`), summed every 20 ms by one
 * clock for all the outputs, and each output encoded in its listener's codec and produced back
 * into the room (`source: 'mix'`), where the phone's PlainTransport consumes it instead of the
 * individual voices.
 *
 *   phone A ─┐                          ┌─▶ mix for A (B+C+D) ──▶ phone A
 *   phone B ─┼─▶ DirectTransport ─▶ Σ ──┼─▶ mix for B (A+C+D) ──▶ phone B
 *   browser D┘    (consumers)           └─▶ (browsers consume the voices themselves)
 *
 * Mix producers are in the room like any other: callers that consume "every other producer"
 * must skip `source: 'mix'`. After a worker death (`room.reset`) the mixer stays open on the
 * new router with no outputs (the old listeners' producer ids are gone with their transports)
 * and says which mixes were lost (`reset`); the room's close closes it.
 */
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../../server/log';
import type { MediaProducerInfo } from '../../server/protocol';
import { MediaUnavailable, ValidationError } from '../../server/errors';
import { GuardedEmitter } from '../GuardedEmitter';
import type { Room } from '../Room';
import { MixOutput } from './mix-output';
import { FRAME_SAMPLES, MixSource, type MixSourceCounts } from './mix-source';
import { G711, type G711Codec } from './sdp';

const FRAME_MS = 20;
/** After a stall (a blocked event loop) at most this many late frames are sent at once; older ones are skipped. */
const MAX_CATCH_UP_FRAMES = 3;

export type RoomMixerEvents = {
  /** The room's router was replaced: these mixes are gone (listener ids; null is the all-voices mix). */
  reset: [lostListeners: (string | null)[]];
  close: [];
};

/** Counters for metrics: totals since the mixer opened (closed voices and mixes included), and each live one. */
export interface RoomMixerCounts {
  framesMixed: number;
  /** Frames not sent because the clock stalled for more than `MAX_CATCH_UP_FRAMES` frames. */
  framesSkipped: number;
  /** Room producers that cannot be mixed (not G.711 at 8 kHz). */
  sourcesRefused: number;
  /** Packets the worker would not take (channel closed) or mixing failures; logged. */
  errors: number;
  /** Milliseconds of this process's time spent in the clock's frames: mixing, encoding and sending. */
  mixMs: number;
  /** Of `mixMs`, the part spent handing packets to the worker (its IPC socket). */
  sendMs: number;
  totals: MixSourceCounts & { packetsOut: number };
  sources: ({ producerId: string; source: string; codec: G711Codec } & MixSourceCounts)[];
  outputs: { producerId: string; listenerProducerId: string | null; codec: G711Codec; packetsOut: number }[];
}

interface Voice {
  mix: MixSource;
  consumer: ms.Consumer;
  /** Whether `mix.frame` holds this frame's samples. */
  heard: boolean;
}

export class RoomMixer extends GuardedEmitter<RoomMixerEvents> {
  private transport: Promise<ms.DirectTransport> | null = null;
  private openTransport: ms.DirectTransport | null = null;
  private readonly voices = new Map<string, Voice>();
  private readonly pendingVoices = new Set<string>();
  private readonly outputs = new Map<string, MixOutput>();
  /** Mixes whose producer closed with the router (worker death): reported on `reset`. */
  private readonly lost: (string | null)[] = [];
  private readonly pendingOutputs = new Map<string, Promise<string>>();
  private readonly sum = new Int32Array(FRAME_SAMPLES);
  private readonly nMinusOne = new Int32Array(FRAME_SAMPLES);
  private readonly counts = { framesMixed: 0, framesSkipped: 0, sourcesRefused: 0, errors: 0, mixMs: 0 };
  private readonly retired: MixSourceCounts & { packetsOut: number } = { packetsIn: 0, malformed: 0, otherPayloadType: 0, late: 0, overruns: 0, underruns: 0, packetsOut: 0 };
  private retiredSendMs = 0;
  private readonly unsubscribe: (() => void)[];
  /** Bumped on reset and close: work started before it finds its transport gone and drops its result. */
  private generation = 0;
  private timer: NodeJS.Timeout | null = null;
  private epoch = 0;
  private ticks = 0;
  private closed = false;

  constructor(private readonly room: Room, private readonly log: Logger) {
    super((err, event) => log.error({ err, event }, 'room mixer listener failed'));
    this.unsubscribe = [
      room.on('producer.added', (info) => this.addVoice(info)),
      room.on('reset', () => this.reset()),
      room.on('close', () => this.close()),
    ];
    for (const info of room.producerInfos()) this.addVoice(info);
  }

  /**
   * The producer carrying the mix for `listenerProducerId` (every voice but that one; null for
   * all voices) in `codec`, created on first request and shared by later ones. Its consumer is
   * the listener's PlainTransport.
   */
  async mixFor(listenerProducerId: string | null, codec: G711Codec): Promise<string> {
    if (codec !== 'PCMU' && codec !== 'PCMA') throw new ValidationError(`a mix is PCMU or PCMA, not ${String(codec)}`);
    if (this.closed) throw new MediaUnavailable(`the mixer of ${this.room.id} is closed`);
    const key = `${listenerProducerId ?? '*'}/${codec}`;
    const existing = this.outputs.get(key)?.producer.id ?? this.pendingOutputs.get(key);
    if (existing) return existing;
    const pending = this.openOutput(key, listenerProducerId, codec).finally(() => this.pendingOutputs.delete(key));
    this.pendingOutputs.set(key, pending);
    return pending;
  }

  /** Closes the mixes for `listenerProducerId` (both codecs); the listener's consumers of them close with them. */
  release(listenerProducerId: string | null): void {
    for (const [key, output] of this.outputs) if (output.listener === listenerProducerId) this.closeOutput(key, output);
  }

  /** Live counters (see RoomMixerCounts). */
  snapshot(): RoomMixerCounts {
    const totals = { ...this.retired };
    const sources = [...this.voices.values()].map(({ mix }) => {
      for (const k of Object.keys(mix.counts) as (keyof MixSourceCounts)[]) totals[k] += mix.counts[k];
      return { producerId: mix.producerId, source: mix.source, codec: mix.codec, ...mix.counts };
    });
    let sendMs = this.retiredSendMs;
    const outputs = [...this.outputs.values()].map((o) => {
      totals.packetsOut += o.packetsOut;
      sendMs += o.sendMs;
      return { producerId: o.producer.id, listenerProducerId: o.listener, codec: o.codec, packetsOut: o.packetsOut };
    });
    return { ...this.counts, sendMs, totals, sources, outputs };
  }

  /** Closes every mix and voice consumer and stops the clock. Idempotent; the room's close calls it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.drop();
    for (const off of this.unsubscribe) off();
    this.emit('close');
    this.removeAllListeners();
  }

  private async openOutput(key: string, listener: string | null, codec: G711Codec): Promise<string> {
    const generation = this.generation;
    const transport = await this.directTransport();
    const producer = await transport.produce({
      kind: 'audio',
      rtpParameters: { codecs: [{ mimeType: `audio/${codec}`, payloadType: G711[codec], clockRate: 8000 }], encodings: [{ ssrc: randomInt(1, 0x1_0000_0000) }] },
      appData: { source: 'mix', for: listener },
    });
    if (generation !== this.generation) {
      producer.close();
      throw new MediaUnavailable(`the mixer of ${this.room.id} was ${this.closed ? 'closed' : 'reset'} while a mix was opened`);
    }
    const output = new MixOutput(producer, listener, codec);
    this.outputs.set(key, output);
    producer.observer.once('close', () => {
      if (this.outputs.get(key) !== output) return;
      if (transport.closed) this.lost.push(listener);
      this.closeOutput(key, output);
    });
    if (this.outputs.size === 1) this.listen(true);
    this.log.info({ producerId: producer.id, listenerProducerId: listener, codec, voices: this.voices.size }, 'conference mix opened');
    return producer.id;
  }

  private closeOutput(key: string, output: MixOutput): void {
    this.outputs.delete(key);
    this.retired.packetsOut += output.packetsOut;
    this.retiredSendMs += output.sendMs;
    if (!output.producer.closed) output.producer.close();
    if (this.outputs.size === 0) this.listen(false);
  }

  /**
   * The voices are received and the clock runs only while there is a mix to make: a call room
   * without a conference costs nothing but the paused consumers.
   */
  private listen(on: boolean): void {
    if (on) this.startClock();
    else this.stopClock();
    for (const { mix, consumer } of this.voices.values()) {
      if (consumer.closed) continue;
      if (!on) mix.clear();
      (on ? consumer.resume() : consumer.pause()).catch((err) => this.log.debug({ err }, 'a mix voice consumer could not be paused or resumed'));
    }
  }

  /**
   * The mixer's one DirectTransport (voices and mixes), opened on first use (concurrent callers
   * share the opening) and again once the router it was on closed.
   */
  private directTransport(): Promise<ms.DirectTransport> {
    if (this.transport && !this.openTransport?.closed) return this.transport;
    this.openTransport = null;
    const opening = this.room.createDirectTransport({ source: 'mix' }).then((t) => {
      if (this.transport === opening) this.openTransport = t;
      return t;
    });
    this.transport = opening;
    opening.catch(() => {
      if (this.transport === opening) this.transport = null; // the next request tries again
    });
    return opening;
  }

  /** Consumes a room producer as a voice of the mix, unless it is a mix, not audio, or not G.711. */
  private addVoice(info: MediaProducerInfo): void {
    if (this.closed || info.kind !== 'audio' || info.source === 'mix') return;
    if (this.voices.has(info.producerId) || this.pendingVoices.has(info.producerId)) return;
    this.pendingVoices.add(info.producerId);
    const generation = this.generation;
    this.consumeVoice(info, generation)
      .catch((err) => {
        if (generation === this.generation) this.log.warn({ err, producerId: info.producerId }, 'a room voice could not be taken into the mix');
      })
      .finally(() => this.pendingVoices.delete(info.producerId));
  }

  private async consumeVoice(info: MediaProducerInfo, generation: number): Promise<void> {
    const caps: ms.RtpCapabilities = {
      codecs: (this.room.rtpCapabilities.codecs ?? []).filter((c) => /^audio\/(PCMU|PCMA)$/i.test(c.mimeType) && c.clockRate === 8000),
    };
    if (!caps.codecs!.length || !this.room.canConsume(info.producerId, caps)) return this.refuse(info, 'not G.711 at 8 kHz');
    const transport = await this.directTransport();
    if (generation !== this.generation) return;
    const consumer = await transport.consume({ producerId: info.producerId, rtpCapabilities: caps, paused: this.outputs.size === 0 });
    if (generation !== this.generation) return consumer.close();
    // A mix opened or the last one closed while the consumer was being made.
    if (consumer.paused !== (this.outputs.size === 0)) await (consumer.paused ? consumer.resume() : consumer.pause());
    const codec = consumer.rtpParameters.codecs.find((c) => /^audio\/(PCMU|PCMA)$/i.test(c.mimeType));
    if (!codec || codec.clockRate !== 8000) {
      consumer.close();
      return this.refuse(info, `consumed as ${codec?.mimeType ?? 'no G.711'}/${codec?.clockRate ?? '?'}`);
    }
    const mix = new MixSource(info.producerId, info.source, codec.mimeType.slice(6).toUpperCase() as G711Codec, codec.payloadType);
    const voice: Voice = { mix, consumer, heard: false };
    this.voices.set(info.producerId, voice);
    consumer.on('rtp', (packet) => {
      try {
        mix.push(packet);
      } catch (err) {
        mix.counts.malformed++;
        this.log.warn({ err, producerId: info.producerId }, 'an RTP packet of a room voice could not be decoded');
      }
    });
    // A paused voice leaves the mix at once instead of playing out its FIFO.
    consumer.on('producerpause', () => mix.clear());
    consumer.observer.once('close', () => {
      if (this.voices.get(info.producerId) !== voice) return;
      this.voices.delete(info.producerId);
      this.retire(mix.counts);
    });
    this.log.debug({ producerId: info.producerId, source: info.source, codec: mix.codec }, 'room voice taken into the mix');
  }

  private refuse(info: MediaProducerInfo, why: string): void {
    this.counts.sourcesRefused++;
    this.log.info({ producerId: info.producerId, source: info.source, why }, 'a room voice cannot be mixed');
  }

  private retire(counts: MixSourceCounts): void {
    for (const k of Object.keys(counts) as (keyof MixSourceCounts)[]) this.retired[k] += counts[k];
  }

  /** The room moved to a new router: everything of the mixer went with the old one. */
  private reset(): void {
    const lost = [...this.lost.splice(0), ...[...this.outputs.values()].map((o) => o.listener)];
    this.drop();
    this.log.warn({ lostMixes: lost.length }, 'room reset: conference mixes lost, voices are taken again as they are produced');
    this.emit('reset', lost);
    for (const info of this.room.producerInfos()) this.addVoice(info);
  }

  private drop(): void {
    this.generation++;
    this.stopClock();
    for (const [key, output] of [...this.outputs]) this.closeOutput(key, output);
    for (const { mix } of this.voices.values()) this.retire(mix.counts);
    this.voices.clear();
    const transport = this.transport;
    this.transport = null;
    this.openTransport = null;
    void transport?.then((t) => t.close(), () => undefined);
  }

  // One clock for every mix of the room, scheduled against a monotonic epoch so timer lateness
  // never accumulates: each wake-up sends the frames that are due since the last one.
  private startClock(): void {
    this.epoch = performance.now();
    this.ticks = 0;
    this.schedule();
  }

  private stopClock(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    const due = this.epoch + (this.ticks + 1) * FRAME_MS;
    this.timer = setTimeout(() => this.tick(), Math.max(0, due - performance.now()));
    this.timer.unref();
  }

  private tick(): void {
    const started = performance.now();
    let frames = Math.floor((started - this.epoch) / FRAME_MS) - this.ticks;
    if (frames > MAX_CATCH_UP_FRAMES) {
      const skipped = frames - MAX_CATCH_UP_FRAMES;
      this.counts.framesSkipped += skipped;
      for (const output of this.outputs.values()) output.skip(skipped);
      for (const { mix } of this.voices.values()) mix.discard(skipped * FRAME_SAMPLES);
      this.ticks += skipped;
      frames = MAX_CATCH_UP_FRAMES;
    }
    for (let i = 0; i < frames; i++) {
      try {
        this.mixFrame();
      } catch (err) {
        this.counts.errors++;
        this.log.error({ err }, 'a conference mix frame failed');
      }
    }
    this.ticks += Math.max(0, frames);
    this.counts.mixMs += performance.now() - started;
    if (this.outputs.size > 0 && !this.closed) this.schedule();
  }

  /** One 20 ms frame: Σ of the heard voices once, then for each output Σ minus its listener's own voice. */
  private mixFrame(): void {
    const sum = this.sum;
    sum.fill(0);
    for (const voice of this.voices.values()) {
      voice.heard = voice.mix.pull();
      if (!voice.heard) continue;
      const frame = voice.mix.frame;
      for (let i = 0; i < FRAME_SAMPLES; i++) sum[i]! += frame[i]!;
    }
    for (const output of this.outputs.values()) {
      const own = output.listener === null ? undefined : this.voices.get(output.listener);
      let pcm = sum;
      if (own?.heard) {
        pcm = this.nMinusOne;
        const frame = own.mix.frame;
        for (let i = 0; i < FRAME_SAMPLES; i++) pcm[i] = sum[i]! - frame[i]!;
      }
      try {
        output.send(pcm);
      } catch (err) {
        this.counts.errors++;
        this.log.warn({ err, producerId: output.producer.id }, 'a conference mix packet could not be sent');
      }
    }
    this.counts.framesMixed++;
  }
}
