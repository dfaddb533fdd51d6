/**
 * Hand-made RTP on loopback for media tests without a browser: a source that sends RFC 3550
 * packets (VP8 key frames or Opus frames) from a UDP socket, and a sink that records the RTP
 * packets it receives (RTCP, multiplexed on the same port, is counted apart).
 */
import { createSocket, type Socket } from 'node:dgram';

export interface RtpHeader {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
}

/** One RTP packet: 12-byte fixed header (version 2, no padding, extension or CSRC) + payload. */
export function rtpPacket(h: RtpHeader, payload: Buffer): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  header.writeUInt16BE(h.sequenceNumber & 0xffff, 2);
  header.writeUInt32BE(h.timestamp >>> 0, 4);
  header.writeUInt32BE(h.ssrc >>> 0, 8);
  return Buffer.concat([header, payload]);
}

/**
 * A one-packet VP8 key frame as a browser sends it: extended payload descriptor (X=1, S=1,
 * partition 0, I=1 with a 15-bit picture id; mediasoup ignores VP8 without it), then the frame
 * header with the key-frame bit clear, the start code 9d 01 2a and a 640x360 size, then filler.
 */
export function vp8KeyFrame(pictureId: number, size = 600): Buffer {
  const descriptor = [0x90, 0x80, 0x80 | ((pictureId >> 8) & 0x7f), pictureId & 0xff];
  const head = Buffer.from([...descriptor, 0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01]);
  return Buffer.concat([head, Buffer.alloc(Math.max(0, size - head.length), 0x5a)]);
}

/** An Opus frame (TOC for 20 ms CELT fullband + a few bytes). */
export function opusFrame(): Buffer {
  return Buffer.from([0xfc, 0xff, 0xfe, 0x01, 0x02, 0x03]);
}

export interface RtpStream {
  codec: 'vp8' | 'opus';
  payloadType: number;
  ssrc: number;
}

/** Sends `count` packets of `stream` to 127.0.0.1:`port`, one every 20 ms (100 packets ≈ 2 s). */
export async function sendRtp(port: number, stream: RtpStream, count = 100): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const clockPer20ms = stream.codec === 'vp8' ? 1800 : 960;
  try {
    for (let i = 0; i < count; i++) {
      const payload = stream.codec === 'vp8' ? vp8KeyFrame(i) : opusFrame();
      const header = { payloadType: stream.payloadType, sequenceNumber: 1000 + i, timestamp: 5000 + i * clockPer20ms, ssrc: stream.ssrc, marker: stream.codec === 'vp8' };
      await new Promise<void>((resolve, reject) => socket.send(rtpPacket(header, payload), port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    socket.close();
  }
  return count;
}

/** A UDP socket on 127.0.0.1 that records the RTP headers it receives. */
export class RtpSink {
  readonly packets: RtpHeader[] = [];
  rtcpPackets = 0;

  private constructor(private readonly socket: Socket) {
    socket.on('message', (msg) => {
      if (msg.length < 12 || msg[0]! >> 6 !== 2) return;
      const secondByte = msg[1]!;
      if (secondByte >= 192 && secondByte <= 223) {
        this.rtcpPackets++; // RTCP packet types 192-223 share the port (rtcp-mux).
        return;
      }
      // mediasoup's bandwidth probation padding (SSRC 1234, payload type 127) is not media.
      if (msg.readUInt32BE(8) === 1234 && (secondByte & 0x7f) === 127) return;
      this.packets.push({
        payloadType: secondByte & 0x7f, marker: (secondByte & 0x80) !== 0, sequenceNumber: msg.readUInt16BE(2),
        timestamp: msg.readUInt32BE(4), ssrc: msg.readUInt32BE(8),
      });
    });
  }

  static async open(): Promise<RtpSink> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    return new RtpSink(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  close(): void {
    this.socket.close();
  }
}
