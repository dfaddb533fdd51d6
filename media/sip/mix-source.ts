/**
 * One voice of a conference mix (`RoomMixer.ts`): the G.711 RTP of one room producer, decoded
 * into a bounded sample FIFO that the mixer's clock drains 20 ms at a time. The FIFO decouples
 * the talker's clock from the mixer's: it fills 40 ms before the voice is heard (network
 * jitter), and never holds more than 200 ms (a talker whose clock runs fast, or a burst after a
 * stall, loses its oldest samples instead of adding delay). A voice that stops or is paused
 * drains and then contributes silence until it has 40 ms again.
 */
import { decodeG711 } from './g711';
import type { G711Codec } from './sdp';

/** Samples per 20 ms frame at 8 kHz. */
export const FRAME_SAMPLES = 160;
/** At most 200 ms of a voice waits in its FIFO. */
export const FIFO_MAX_SAMPLES = 1600;
/** A voice is heard once 40 ms of it is buffered (and again after every underrun). */
const PREFILL_SAMPLES = 2 * FRAME_SAMPLES;
/** Timestamp gaps up to 60 ms are lost packets, filled with silence; longer ones are a new talk spurt. */
const CONCEAL_MAX_SAMPLES = 3 * FRAME_SAMPLES;
// A power of two above FIFO_MAX_SAMPLES + one packet, so ring positions wrap with a mask.
const RING = 2048;
const RING_MASK = RING - 1;
/** The largest G.711 payload taken in one packet (60 ms); anything longer is not a phone's. */
const MAX_PACKET_SAMPLES = 480;

/** What one voice did so far (the mixer's metrics read these). */
export interface MixSourceCounts {
  packetsIn: number;
  /** Not RTP version 2, cut short, or with an impossible header (padding, CSRC, extension lengths). */
  malformed: number;
  /** Another payload type than the voice's G.711 codec (telephone-event, comfort noise). */
  otherPayloadType: number;
  /** Duplicate or reordered packets that came after their samples were due. */
  late: number;
  /** Packets (or catch-up discards) that pushed out buffered samples: the voice ran ahead. */
  overruns: number;
  /** Frames the voice had started but could not fill: it stopped, was paused or ran slow. */
  underruns: number;
}

export class MixSource {
  /** This frame's samples, valid after `pull()` returned true. */
  readonly frame = new Int16Array(FRAME_SAMPLES);
  readonly counts: MixSourceCounts = { packetsIn: 0, malformed: 0, otherPayloadType: 0, late: 0, overruns: 0, underruns: 0 };
  private readonly ring = new Int16Array(RING);
  private readPos = 0;
  private fill = 0;
  private primed = false;
  /** RTP timestamp the next in-order packet carries, once a packet was taken. */
  private nextTimestamp: number | null = null;

  constructor(readonly producerId: string, readonly source: string, readonly codec: G711Codec, readonly payloadType: number) {}

  /** Takes one RTP packet of the voice; anything that is not its G.711 is counted and dropped. */
  push(packet: Uint8Array): void {
    const start = payloadStart(packet);
    if (start < 0) {
      this.counts.malformed++;
      return;
    }
    if ((packet[1]! & 0x7f) !== this.payloadType) {
      this.counts.otherPayloadType++;
      return;
    }
    const padding = packet[0]! & 0x20 ? packet[packet.length - 1]! : 0;
    const samples = packet.length - start - padding;
    if (samples <= 0 || samples > MAX_PACKET_SAMPLES) {
      this.counts.malformed++;
      return;
    }
    this.counts.packetsIn++;
    const timestamp = ((packet[4]! << 24) | (packet[5]! << 16) | (packet[6]! << 8) | packet[7]!) >>> 0;
    if (this.nextTimestamp !== null) {
      const gap = (timestamp - this.nextTimestamp) | 0; // signed: RTP timestamps wrap at 2^32
      if (gap < 0 && gap > -FIFO_MAX_SAMPLES) {
        this.counts.late++;
        return;
      }
      // Lost packets inside a talk spurt: keep the voice's timing (only while it is buffered;
      // once drained, the silence was already heard as an underrun).
      if (gap > 0 && gap <= CONCEAL_MAX_SAMPLES && this.fill > 0) this.write(null, 0, gap);
    }
    this.nextTimestamp = (timestamp + samples) >>> 0;
    this.write(packet, start, samples);
  }

  /** Moves the next frame into `frame`; false when the voice is silent (not primed, paused, gone). */
  pull(): boolean {
    if (!this.primed) {
      if (this.fill < PREFILL_SAMPLES) return false;
      this.primed = true;
    }
    const n = Math.min(this.fill, FRAME_SAMPLES);
    for (let i = 0; i < n; i++) this.frame[i] = this.ring[(this.readPos + i) & RING_MASK]!;
    if (n < FRAME_SAMPLES) {
      this.frame.fill(0, n);
      this.counts.underruns++;
      this.primed = false;
    }
    this.readPos = (this.readPos + n) & RING_MASK;
    this.fill -= n;
    return n > 0;
  }

  /** Drops up to `samples` buffered samples (frames the mixer skipped after a stall). */
  discard(samples: number): void {
    const n = Math.min(this.fill, samples);
    this.readPos = (this.readPos + n) & RING_MASK;
    this.fill -= n;
  }

  /** Forgets what is buffered (the producer paused: its voice leaves the mix at once). */
  clear(): void {
    this.readPos = 0;
    this.fill = 0;
    this.primed = false;
    this.nextTimestamp = null;
  }

  /** Appends `count` decoded samples of `payload` (or silence when null), dropping the oldest beyond the bound. */
  private write(payload: Uint8Array | null, offset: number, count: number): void {
    const excess = this.fill + count - FIFO_MAX_SAMPLES;
    if (excess > 0) {
      this.discard(excess);
      this.counts.overruns++;
    }
    let pos = (this.readPos + this.fill) & RING_MASK;
    let done = 0;
    while (done < count) {
      const run = Math.min(count - done, RING - pos);
      if (payload) decodeG711(this.codec, payload, offset + done, run, this.ring, pos);
      else this.ring.fill(0, pos, pos + run);
      done += run;
      pos = (pos + run) & RING_MASK;
    }
    this.fill += count;
  }
}

/**
 * Where the payload of an RTP packet starts (RFC 3550 §5.1: 12 bytes, the CSRC list, a header
 * extension), or -1 when it is not a version 2 packet whose header fits in it.
 */
export function payloadStart(packet: Uint8Array): number {
  if (packet.length < 12 || packet[0]! >> 6 !== 2) return -1;
  let start = 12 + 4 * (packet[0]! & 0x0f);
  if (packet[0]! & 0x10) {
    if (packet.length < start + 4) return -1;
    start += 4 + 4 * ((packet[start + 2]! << 8) | packet[start + 3]!);
  }
  const padding = packet[0]! & 0x20 ? packet[packet.length - 1]! : 0;
  return start + padding > packet.length ? -1 : start;
}
