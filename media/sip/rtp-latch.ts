/**
 * The first RTP packet of a phone, caught on the port the server's SDP announced, before a
 * mediasoup PlainTransport takes that same port over.
 *
 * Why: a mediasoup producer must be told its SSRC (RtpListener matches packets by SSRC, MID or
 * RID only; phones signal none of them), and a phone picks its SSRC at random. So the answer
 * names a port this latch holds; the phone's first packet tells the SSRC, its payload type and
 * where the phone really sends from (symmetric RTP through NAT); then the latch lets go and
 * the transport binds the port. The packets of those few milliseconds are lost; the stream
 * then flows phone ↔ mediasoup with nothing in between.
 */
import { createSocket, type Socket } from 'node:dgram';

/** What the first packet told. */
export interface LatchedStream {
  ssrc: number;
  payloadType: number;
  /** Where the phone sends from: the address to send back to. */
  address: string;
  port: number;
}

export class RtpLatch {
  private constructor(private readonly socket: Socket, readonly ip: string, readonly port: number) {}

  /** Binds a free UDP port on `ip` (the media listen address). */
  static async open(ip: string): Promise<RtpLatch> {
    const socket = createSocket({ type: ip.includes(':') ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, ip, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', () => undefined);
    return new RtpLatch(socket, ip, socket.address().port);
  }

  /**
   * Resolves with the first RTP packet's stream (RTCP, STUN and garbage are skipped), or null
   * after `timeoutMs`. Closes the socket either way, so the port is free for the transport.
   */
  first(timeoutMs: number): Promise<LatchedStream | null> {
    return new Promise((resolve) => {
      const done = (stream: LatchedStream | null) => {
        clearTimeout(timer);
        this.socket.removeAllListeners('message');
        this.close();
        resolve(stream);
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      this.socket.on('message', (msg, from) => {
        if (msg.length < 12 || msg[0]! >> 6 !== 2) return;
        const pt = msg[1]! & 0x7f;
        if (msg[1]! >= 192 && msg[1]! <= 223) return; // RTCP on the same port
        done({ ssrc: msg.readUInt32BE(8), payloadType: pt, address: from.address, port: from.port });
      });
    });
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // Already closed.
    }
  }
}
