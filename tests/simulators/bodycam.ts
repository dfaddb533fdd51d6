/**
 * A body camera without a browser: it publishes real VP8 720p video and Opus audio into an
 * incident's media room over a mediasoup PlainTransport (comedia), from a UDP socket on
 * loopback, at real time, for as long as it runs.
 *
 * The media is a few seconds of ffmpeg output (see bodycam-clip.ts: encoded once from a test
 * pattern, then cached) replayed in a loop. Each camera has its own SSRCs, and every packet is
 * rewritten so the loops join seamlessly as one RFC 3550 stream: the sequence number goes up by
 * one per packet, timestamps keep rising across the loop point, and the VP8 picture id keeps
 * counting. The clip starts with a key frame and has one every 2 s, so a viewer that joins, or
 * asks for a key frame (PLI/FIR are counted, not obeyed), waits at most 2 s.
 *
 * Usage, with a room from `Room.create(...)` or `MediaService.openRoom(...)`:
 * ```ts
 * const camera = await startBodycam(room, { unitId: 'P-103' });
 * // camera.video / camera.audio are the room's producers; consume them like any other.
 * console.log(camera.stats()); // packets and bytes sent, loops, send lateness, PLIs
 * camera.stop();               // closes its transport and its producers
 * ```
 * For many cameras load the clip once (`loadBodycamClip()`) and pass it as `clip`. The first
 * run on a machine needs `/usr/bin/ffmpeg` (apt-get install ffmpeg, or FFMPEG_PATH) for about
 * 10 s of encoding; later runs only read the cache. It is not a signalling client: it does not
 * go through the WebSocket API (that takes WebRTC); a browser end to end is tests/e2e/bodycam.
 */
import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import type { types as ms } from 'mediasoup';
import type { Room } from '../../media/Room';
import { CLIP_PAYLOAD_TYPES, loadBodycamClip, type BodycamClip, type ClipStream } from './bodycam-clip';
import { isRtcp, readVp8, rewriteRtp, shiftVp8PictureId, timestampOf } from './rtp-wire';

export interface BodycamOptions {
  /** The unit wearing the camera (the producers' appData, as a real body camera's). */
  unitId: string;
  /** A clip already loaded (share one between cameras); default: `loadBodycamClip()`. */
  clip?: BodycamClip;
  /** Publish the microphone too. Default true. */
  audio?: boolean;
}

/** What a camera has sent since it started. `sendLateMs[i]` counts packets sent i ms late. */
export interface BodycamStats {
  videoPackets: number;
  audioPackets: number;
  bytes: number;
  keyFrames: number;
  /** Completed passes through the clip (video). */
  loops: number;
  /** Key-frame requests from the room (RTCP PLI and FIR). */
  keyFrameRequests: number;
  sendLateMs: number[];
}

export interface Bodycam {
  readonly unitId: string;
  readonly transport: ms.PlainTransport;
  readonly video: ms.Producer;
  readonly audio: ms.Producer | null;
  stats(): BodycamStats;
  /** Stops sending and closes the transport with its producers. Idempotent. */
  stop(): void;
}

/** The longest send lateness recorded apart (the last bucket counts everything later). */
const LATE_BUCKETS = 1000;

/** Starts a body camera publishing into `room`. */
export async function startBodycam(room: Pick<Room, 'createPlainTransport'>, options: BodycamOptions): Promise<Bodycam> {
  const clip = options.clip ?? (await loadBodycamClip());
  const ssrcs = { video: randomSsrc(), audio: randomSsrc() };
  while (ssrcs.audio === ssrcs.video) ssrcs.audio = randomSsrc();
  const transport = await room.createPlainTransport({ rtcpMux: true, comedia: true, appData: { source: 'bodycam', unitId: options.unitId } });
  let socket: Socket | null = null;
  try {
    const appData = { source: 'bodycam', unitId: options.unitId };
    const cname = `bodycam-${options.unitId}`;
    const video = await transport.produce({
      kind: 'video', appData,
      rtpParameters: {
        codecs: [{
          mimeType: 'video/VP8', payloadType: CLIP_PAYLOAD_TYPES.video, clockRate: 90000,
          rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
        }],
        encodings: [{ ssrc: ssrcs.video }], rtcp: { cname, reducedSize: true },
      },
    });
    const audio = options.audio === false ? null : await transport.produce({
      kind: 'audio', appData,
      rtpParameters: {
        codecs: [{ mimeType: 'audio/opus', payloadType: CLIP_PAYLOAD_TYPES.audio, clockRate: 48000, channels: 2 }],
        encodings: [{ ssrc: ssrcs.audio }], rtcp: { cname, reducedSize: true },
      },
    });
    socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket!.bind(0, '127.0.0.1', () => resolve()));
    const streams = [new StreamReplay(clip.video, ssrcs.video, CLIP_PAYLOAD_TYPES.video, true)];
    if (audio) streams.push(new StreamReplay(clip.audio, ssrcs.audio, CLIP_PAYLOAD_TYPES.audio, false));
    const sender = new ReplaySender(socket, transport.tuple.localPort, streams);
    return {
      unitId: options.unitId, transport, video, audio,
      stats: () => sender.stats(),
      stop: () => {
        sender.stop();
        if (!transport.closed) transport.close();
      },
    };
  } catch (err) {
    socket?.close();
    transport.close();
    throw err;
  }
}

function randomSsrc(): number {
  return randomInt(1, 2 ** 32 - 1);
}

/** One stream of the clip, looped forever as one continuous RTP stream. */
class StreamReplay {
  packets = 0;
  bytes = 0;
  keyFrames = 0;
  loops = 0;
  private index = 0;
  private readonly firstTimestamp: number;
  private readonly keyFrameStarts: boolean[];
  private readonly sequenceStart = randomInt(0, 0x10000);
  private readonly timestampStart = randomInt(0, 2 ** 32 - 1);

  constructor(private readonly clip: ClipStream, private readonly ssrc: number, private readonly payloadType: number, private readonly vp8: boolean) {
    this.firstTimestamp = timestampOf(clip.packets[0]!);
    this.keyFrameStarts = clip.packets.map((p) => (vp8 ? readVp8(p)?.keyFrame === true : false));
  }

  /** When the next packet is due, in ms after the camera started. */
  nextDueMs(): number {
    const ticks = this.loops * this.clip.periodTicks + ((timestampOf(this.clip.packets[this.index]!) - this.firstTimestamp) >>> 0);
    return (ticks / this.clip.clockRate) * 1000;
  }

  /** The next packet, rewritten to continue this stream; advances past it. */
  take(): Buffer {
    const source = this.clip.packets[this.index]!;
    const ticks = this.loops * this.clip.periodTicks + ((timestampOf(source) - this.firstTimestamp) >>> 0);
    const packet = rewriteRtp(source, {
      payloadType: this.payloadType, ssrc: this.ssrc,
      sequenceNumber: this.sequenceStart + this.packets, timestamp: this.timestampStart + ticks,
    });
    if (this.vp8 && this.loops > 0) shiftVp8PictureId(packet, this.loops * this.clip.frames);
    if (this.keyFrameStarts[this.index]) this.keyFrames++;
    this.packets++;
    this.bytes += packet.length;
    if (++this.index === this.clip.packets.length) {
      this.index = 0;
      this.loops++;
    }
    return packet;
  }
}

/** Sends the streams' packets when due, from one socket (both streams share the transport). */
class ReplaySender {
  private readonly startedAt = performance.now();
  private readonly sendLateMs = new Array<number>(LATE_BUCKETS).fill(0);
  private keyFrameRequests = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly socket: Socket, private readonly port: number, private readonly streams: StreamReplay[]) {
    socket.on('message', (msg) => {
      if (isRtcp(msg)) this.keyFrameRequests += countKeyFrameRequests(msg);
    });
    socket.on('error', () => {}); // ICMP unreachable after the transport closed: nothing to do.
    this.tick();
  }

  stats(): BodycamStats {
    const [video, audio] = this.streams;
    return {
      videoPackets: video?.packets ?? 0, audioPackets: audio?.packets ?? 0,
      bytes: this.streams.reduce((sum, s) => sum + s.bytes, 0), keyFrames: video?.keyFrames ?? 0, loops: video?.loops ?? 0,
      keyFrameRequests: this.keyFrameRequests, sendLateMs: [...this.sendLateMs],
    };
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket.close();
  }

  private tick(): void {
    if (this.stopped) return;
    const now = performance.now() - this.startedAt;
    let next = Infinity;
    for (const stream of this.streams) {
      let due = stream.nextDueMs();
      while (due <= now) {
        this.socket.send(stream.take(), this.port, '127.0.0.1');
        this.sendLateMs[Math.min(LATE_BUCKETS - 1, Math.floor(now - due))]!++;
        due = stream.nextDueMs();
      }
      next = Math.min(next, due);
    }
    // Wake for the next frame; a timer fires ~1 ms late at best, so never ask for less.
    this.timer = setTimeout(() => this.tick(), Math.max(1, Math.min(20, next - now)));
  }
}

/** PLI (payload-specific feedback 206, FMT 1) and FIR (206, FMT 4) in a compound RTCP packet. */
function countKeyFrameRequests(packet: Buffer): number {
  let requests = 0;
  for (let at = 0; at + 4 <= packet.length;) {
    const fmt = packet[at]! & 0x1f;
    if (packet[at + 1] === 206 && (fmt === 1 || fmt === 4)) requests++;
    at += 4 * (packet.readUInt16BE(at + 2) + 1);
  }
  return requests;
}
