/**
 * RTP/RTCP port pairs on loopback for local receivers (the recorder's ffmpeg processes): an
 * even RTP port with RTCP on the next one (RFC 3550 §11), both free when handed out and kept
 * reserved in this process until released, so two recordings never get the same pair.
 */
import { createSocket } from 'node:dgram';

/** Whether a UDP port can be bound on `ip` right now. */
export function udpPortFree(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket(ip.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, ip, () => socket.close(() => resolve(true)));
  });
}

export class RtpPortPool {
  private readonly reserved = new Set<number>();
  private next: number;

  constructor(readonly ip: string, private readonly min: number, private readonly max: number) {
    if (min % 2 !== 0) this.min = min + 1;
    // A random start: processes sharing the range rarely race for the same pair.
    this.next = this.min + 2 * Math.floor(Math.random() * Math.floor((this.max - this.min) / 2));
  }

  /** Reserves a free pair and returns its RTP port (RTCP is +1); throws when the range is full. */
  async reserve(): Promise<number> {
    const pairs = Math.floor((this.max - this.min + 1) / 2);
    for (let tried = 0; tried < pairs; tried++) {
      const port = this.next;
      this.next = port + 2 > this.max - 1 ? this.min : port + 2;
      if (this.reserved.has(port)) continue;
      if ((await udpPortFree(this.ip, port)) && (await udpPortFree(this.ip, port + 1))) {
        this.reserved.add(port);
        return port;
      }
    }
    throw new Error(`no free RTP port pair in ${this.min}-${this.max} on ${this.ip}`);
  }

  release(port: number): void {
    this.reserved.delete(port);
  }
}
