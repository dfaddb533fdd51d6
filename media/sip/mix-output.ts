/**
 * One conference mix leaving the mixer (`RoomMixer.ts`) into its room: 20 ms G.711 frames as
 * RFC 3550 RTP on a DirectTransport producer — random SSRC, sequence number and timestamp,
 * sequence +1 and timestamp +160 a frame, the marker on the first packet.
 */
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { types as ms } from 'mediasoup';
import { encodeG711 } from './g711';
import { FRAME_SAMPLES } from './mix-source';
import { G711, type G711Codec } from './sdp';

export class MixOutput {
  packetsOut = 0;
  /** Milliseconds spent handing packets to the worker (IPC), apart from mixing and encoding. */
  sendMs = 0;
  private readonly ssrc: number;
  private seq = randomInt(0, 0x10000);
  private timestamp = randomInt(0, 0x1_0000_0000);
  private first = true;

  constructor(readonly producer: ms.Producer, readonly listener: string | null, readonly codec: G711Codec) {
    this.ssrc = producer.rtpParameters.encodings![0]!.ssrc!;
  }

  send(pcm: Int32Array): void {
    const packet = Buffer.allocUnsafe(12 + FRAME_SAMPLES);
    packet[0] = 0x80;
    packet[1] = (this.first ? 0x80 : 0) | G711[this.codec];
    packet.writeUInt16BE(this.seq, 2);
    packet.writeUInt32BE(this.timestamp, 4);
    packet.writeUInt32BE(this.ssrc, 8);
    encodeG711(this.codec, pcm, FRAME_SAMPLES, packet, 12);
    this.first = false;
    this.seq = (this.seq + 1) & 0xffff;
    this.timestamp = (this.timestamp + FRAME_SAMPLES) >>> 0;
    const handing = performance.now();
    this.producer.send(packet);
    this.sendMs += performance.now() - handing;
    this.packetsOut++;
  }

  /** Frames skipped after a stall: the listener's clock moves on, the sequence stays continuous. */
  skip(frames: number): void {
    this.timestamp = (this.timestamp + frames * FRAME_SAMPLES) >>> 0;
  }
}
