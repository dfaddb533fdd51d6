/**
 * A viewer of body cameras without a browser: a PlainTransport in the room consumes the
 * cameras' producers and sends their RTP to a UDP socket on loopback, which counts what
 * arrives per stream: packets, bytes, loss from sequence gaps (RFC 3550 extended sequence
 * numbers, so a late packet is a reorder, not a loss, and a duplicate is not a receipt),
 * interarrival jitter, and VP8 key frames (payload descriptor S bit, partition 0, P bit clear).
 */
import { createSocket, type Socket } from 'node:dgram';
import type { types as ms } from 'mediasoup';
import type { Room } from '../../media/Room';
import { isRtp, payloadOffset, readVp8, sequenceOf, ssrcOf, timestampOf } from './rtp-wire';

/** What one consumer's stream delivered to the viewer so far. */
export interface ViewedStream {
  kind: ms.MediaKind;
  producerId: string;
  ssrc: number;
  packets: number;
  bytes: number;
  /** Packets the sequence numbers say were sent since the first one received. */
  expected: number;
  lost: number;
  /** Packets that arrived after a later one (counted as received, not lost). */
  reordered: number;
  duplicates: number;
  /** In-order packets whose RTP timestamp is older than the one before (a broken loop point). */
  timestampRegressions: number;
  keyFrames: number;
  /** ms from the viewer's start to its first key frame (video), null before one. */
  firstKeyFrameMs: number | null;
  /** RFC 3550 interarrival jitter, ms. */
  jitterMs: number;
}

export interface PlainViewer {
  readonly transport: ms.PlainTransport;
  readonly consumers: ms.Consumer[];
  /** The loopback UDP port the viewer's socket reads. */
  readonly port: number;
  /** A snapshot of every stream's counters. */
  streams(): ViewedStream[];
  /** Packets for SSRCs this viewer does not consume (there should be none). */
  strayPackets(): number;
  close(): void;
}

/** Sequence numbers remembered for duplicate detection (about 4 s of 720p video). */
const SEEN_WINDOW = 1024;

/** Opens a viewer in `room` consuming `producers` (say, one camera's video and audio). */
export async function startPlainViewer(room: Pick<Room, 'createPlainTransport' | 'rtpCapabilities'>, producers: ms.Producer[]): Promise<PlainViewer> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 1 << 21 });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const transport = await room.createPlainTransport({ rtcpMux: true, comedia: false, appData: { source: 'viewer' } });
  try {
    await transport.connect({ ip: '127.0.0.1', port: socket.address().port });
    const consumers: ms.Consumer[] = [];
    for (const producer of producers) consumers.push(await transport.consume({ producerId: producer.id, rtpCapabilities: room.rtpCapabilities }));
    return new ViewerSink(socket, transport, consumers);
  } catch (err) {
    transport.close();
    socket.close();
    throw err;
  }
}

class ViewerSink implements PlainViewer {
  private readonly bySsrc = new Map<number, StreamCounter>();
  private stray = 0;
  private readonly startedAt = performance.now();

  constructor(private readonly socket: Socket, readonly transport: ms.PlainTransport, readonly consumers: ms.Consumer[]) {
    for (const consumer of consumers) {
      const ssrc = consumer.rtpParameters.encodings?.[0]?.ssrc;
      const codec = consumer.rtpParameters.codecs[0];
      if (ssrc === undefined || !codec) throw new Error(`consumer ${consumer.id} has no SSRC or codec`);
      this.bySsrc.set(ssrc, new StreamCounter(consumer, ssrc, codec.clockRate, codec.mimeType.toLowerCase() === 'video/vp8'));
    }
    socket.on('message', (msg) => this.receive(msg));
  }

  get port(): number {
    return this.socket.address().port;
  }

  streams(): ViewedStream[] {
    return [...this.bySsrc.values()].map((c) => c.snapshot());
  }

  strayPackets(): number {
    return this.stray;
  }

  close(): void {
    if (!this.transport.closed) this.transport.close();
    this.socket.close();
  }

  private receive(msg: Buffer): void {
    if (!isRtp(msg)) return;
    // mediasoup's bandwidth probation padding (SSRC 1234, payload type 127) is not media.
    if (msg.readUInt32BE(8) === 1234 && (msg[1]! & 0x7f) === 127) return;
    const counter = this.bySsrc.get(ssrcOf(msg));
    if (counter) counter.receive(msg, performance.now() - this.startedAt);
    else this.stray++;
  }
}

/** RFC 3550 appendix A.1/A.8 style receive statistics for one SSRC. */
class StreamCounter {
  private packets = 0;
  private bytes = 0;
  private base = -1;
  private highest = -1;
  private reordered = 0;
  private duplicates = 0;
  private timestampRegressions = 0;
  private lastTimestamp: number | null = null;
  private keyFrames = 0;
  private firstKeyFrameMs: number | null = null;
  private jitter = 0;
  private lastTransit: number | null = null;
  private readonly seen = new Float64Array(SEEN_WINDOW).fill(-1);

  constructor(private readonly consumer: ms.Consumer, private readonly ssrc: number, private readonly clockRate: number, private readonly vp8: boolean) {}

  receive(msg: Buffer, atMs: number): void {
    const extended = this.extend(sequenceOf(msg));
    if (this.seen[extended % SEEN_WINDOW] === extended) {
      this.duplicates++;
      return;
    }
    this.seen[extended % SEEN_WINDOW] = extended;
    if (extended > this.highest) {
      this.highest = extended;
      const timestamp = timestampOf(msg);
      // Signed 32-bit difference: a timestamp that wrapped past 2^32 still counts as later.
      if (this.lastTimestamp !== null && ((timestamp - this.lastTimestamp) | 0) < 0) this.timestampRegressions++;
      this.lastTimestamp = timestamp;
    } else {
      this.reordered++;
    }
    this.packets++;
    this.bytes += msg.length;
    const transit = (atMs * this.clockRate) / 1000 - timestampOf(msg);
    if (this.lastTransit !== null) this.jitter += (Math.abs(transit - this.lastTransit) - this.jitter) / 16;
    this.lastTransit = transit;
    if (this.vp8 && readVp8(msg, payloadOffset(msg))?.keyFrame) {
      this.keyFrames++;
      this.firstKeyFrameMs ??= atMs;
    }
  }

  snapshot(): ViewedStream {
    const expected = this.base < 0 ? 0 : this.highest - this.base + 1;
    return {
      kind: this.consumer.kind, producerId: this.consumer.producerId, ssrc: this.ssrc, packets: this.packets, bytes: this.bytes,
      expected, lost: Math.max(0, expected - this.packets), reordered: this.reordered, duplicates: this.duplicates,
      timestampRegressions: this.timestampRegressions, keyFrames: this.keyFrames, firstKeyFrameMs: this.firstKeyFrameMs, jitterMs: (this.jitter / this.clockRate) * 1000,
    };
  }

  /** The 16-bit sequence number placed on an unbounded line next to the highest seen so far. */
  private extend(sequence: number): number {
    if (this.base < 0) {
      this.base = sequence;
      this.highest = sequence - 1; // So the first packet is the highest yet, not a reorder.
      return sequence;
    }
    const delta = ((sequence - (this.highest & 0xffff) + 0x8000) & 0xffff) - 0x8000;
    return this.highest + delta;
  }
}
