/**
 * RFC 4733 DTMF: the telephone-event payload (§2.3) and a per-stream detector that turns a
 * phone's event packets into digits, each reported once.
 *
 * Why a detector: a phone sends one key press as many packets (§2.5.1): the first (marker bit)
 * and updates every 50 ms or so, all with the RTP timestamp of the tone's start and a growing
 * duration, then the end packet (E bit) three times (§2.5.1.4). Packets arrive repeated and, on
 * a real network, lost or reordered. A digit is one RTP timestamp: it is reported on its first
 * end packet, or when it is certainly over without one (the next event began, or the phone's
 * audio went on past the tone), and never again for that timestamp.
 *
 *   payload:  0                   1                   2                   3
 *             0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *            +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *            |     event     |E|R| volume    |          duration             |
 *            +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */

/** One telephone-event report (RFC 4733 §2.3). */
export interface TelephoneEvent {
  /** Event code: 0-9, 10 `*`, 11 `#`, 12-15 A-D (§3.2); others are tones and signals. */
  event: number;
  /** E bit: this packet reports the end of the event. */
  end: boolean;
  /** Power level of the tone, 0 to -63 dBm0, as its absolute value. */
  volume: number;
  /** Duration so far, in RTP timestamp units (8000 per second for telephone-event/8000). */
  duration: number;
}

/** DTMF digits by event code (RFC 4733 §3.2, Table 7). */
const DIGITS = '0123456789*#ABCD';

/** The digit an event code stands for, or null for any other event (flash, tones, modem). */
export function digitOf(event: number): string | null {
  return Number.isInteger(event) && event >= 0 && event < DIGITS.length ? DIGITS[event]! : null;
}

/**
 * The first event of a telephone-event payload, or null when it is too short to be one.
 * Several events packed in one payload (§2.5.1.5) are reported by their first only.
 */
export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent | null {
  if (payload.length < 4) return null;
  return { event: payload[0]!, end: (payload[1]! & 0x80) !== 0, volume: payload[1]! & 0x3f, duration: (payload[2]! << 8) | payload[3]! };
}

/** The parts of an RTP packet (RFC 3550 §5.1) the detector needs. */
export interface RtpView {
  payloadType: number;
  marker: boolean;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  payload: Uint8Array;
}

/**
 * Reads an RTP packet past its CSRCs, header extension (mediasoup keeps one on its output) and
 * padding; null for anything that is not a well-formed RTP version 2 packet.
 */
export function readRtp(packet: Uint8Array): RtpView | null {
  if (packet.length < 12 || packet[0]! >> 6 !== 2) return null;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  let offset = 12 + (packet[0]! & 0x0f) * 4;
  if (packet[0]! & 0x10) {
    if (packet.length < offset + 4) return null;
    offset += 4 + view.getUint16(offset + 2) * 4;
  }
  let end = packet.length;
  if (packet[0]! & 0x20) end -= packet[packet.length - 1]!;
  if (offset > end) return null;
  return {
    payloadType: packet[1]! & 0x7f, marker: (packet[1]! & 0x80) !== 0, sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4), ssrc: view.getUint32(8), payload: packet.subarray(offset, end),
  };
}

/** A key press, reported once. */
export interface DetectedDigit {
  digit: string;
  /** RTP timestamp of the tone's start: with the stream's SSRC, what names this press. */
  timestamp: number;
  /** Tone length as the phone last reported it, in milliseconds. */
  durationMs: number;
}

/** Why a packet told nothing (for counting; the detector never throws). */
export type IgnoredReason = 'malformed' | 'not-a-digit' | 'repeat' | 'late' | 'conflict';

interface OpenEvent {
  /** Start timestamp of the event's first segment (the press), and of the segment now open. */
  timestamp: number;
  segment: number;
  event: number;
  /** Duration of the segments before the open one (§2.5.1.3 long events), then of the open one. */
  before: number;
  duration: number;
}

/** Timestamps of finished presses kept to recognise their late and repeated packets. */
const REMEMBERED = 16;
/** A segment this long (in timestamp units, about 4 s at 8 kHz) may be followed by the next segment of the same tone (§2.5.1.3 splits at 0xFFFF). */
const LONG_SEGMENT = 0x8000;
/** How far past a tone's reported extent the phone's audio must be before the tone is taken as over without its end packets: 200 ms at 8 kHz (the phone's updates come every 50 ms or so). */
const AUDIO_PAST_TONE = 1600;

/** Serial-number distance from `a` to `b` in the 32-bit RTP timestamp space. */
const ahead = (a: number, b: number) => (b - a) >>> 0;
const isAfter = (a: number, b: number) => { const d = ahead(a, b); return d !== 0 && d < 0x80000000; };

/**
 * The digits of one RTP stream's telephone-event packets (one SSRC; the caller keeps one
 * detector per stream). `clockRate` is telephone-event's, 8000 unless negotiated otherwise.
 */
export class TelephoneEventDetector {
  /** Packets that told nothing, by reason. */
  readonly ignored: Record<IgnoredReason, number> = { malformed: 0, 'not-a-digit': 0, repeat: 0, late: 0, conflict: 0 };
  private open: OpenEvent | null = null;
  private readonly finished: number[] = [];

  constructor(private readonly clockRate = 8000) {}

  /** One telephone-event packet: the digits it completes (none, or a press whose end was lost and this one). */
  event(timestamp: number, marker: boolean, payload: Uint8Array): DetectedDigit[] {
    const te = parseTelephoneEvent(payload);
    if (!te) return this.ignore('malformed');
    if (digitOf(te.event) === null) return this.ignore('not-a-digit');
    if (this.finished.includes(timestamp)) return this.ignore('repeat');
    const open = this.open;
    if (open && open.segment === timestamp) {
      if (te.event !== open.event) return this.ignore('conflict');
      open.duration = Math.max(open.duration, te.duration);
      return te.end ? [this.finish(open)] : [];
    }
    if (open && !isAfter(open.segment, timestamp)) return this.ignore('late');
    const out: DetectedDigit[] = [];
    if (open && !marker && te.event === open.event && open.duration >= LONG_SEGMENT && ahead(open.segment, timestamp) <= open.duration + AUDIO_PAST_TONE) {
      // A long tone goes on in a new segment (§2.5.1.3): same press, later timestamp, no marker.
      this.remember(open.segment);
      open.before += open.duration;
      open.segment = timestamp;
      open.duration = te.duration;
    } else {
      if (open) out.push(this.finish(open)); // the previous press lost its end packets
      this.open = { timestamp, segment: timestamp, event: te.event, before: 0, duration: te.duration };
    }
    if (te.end) out.push(this.finish(this.open!));
    return out;
  }

  /** One audio packet of the same stream: a tone the audio has gone well past is over, end packets or not. */
  audio(timestamp: number): DetectedDigit[] {
    const open = this.open;
    if (!open || !isAfter(open.segment, timestamp) || ahead(open.segment, timestamp) <= open.duration + AUDIO_PAST_TONE) return [];
    return [this.finish(open)];
  }

  private finish(open: OpenEvent): DetectedDigit {
    this.open = null;
    this.remember(open.segment);
    if (open.timestamp !== open.segment) this.remember(open.timestamp);
    return { digit: digitOf(open.event)!, timestamp: open.timestamp, durationMs: Math.round(((open.before + open.duration) * 1000) / this.clockRate) };
  }

  private remember(timestamp: number): void {
    if (this.finished.includes(timestamp)) return;
    this.finished.push(timestamp);
    if (this.finished.length > REMEMBERED) this.finished.shift();
  }

  private ignore(reason: IgnoredReason): [] {
    this.ignored[reason]++;
    return [];
  }
}
