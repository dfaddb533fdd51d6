/**
 * The audio of the call bench, on loopback: one RTP phone per sipp call (a UDP socket whose
 * port the call's SDP names; it sends G.711 PCMU every 20 ms to where the server's answer
 * points and counts what the room sends back, by sequence number as RFC 3550 does), and the
 * call takers' microphones (one socket sending each call's stream to its PlainTransport
 * producer in the call room). One 20 ms clock drives every stream; a stream that fell behind
 * (a busy machine) catches up in a short burst rather than silently sending less.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { rtpPacket } from '../support/rtp';

const FRAME_MS = 20;
const SILENCE = Buffer.alloc(160, 0xff);
/** At most this many packets of one stream in one tick (a 200 ms hole is sent as a burst, beyond that dropped). */
const MAX_BURST = 10;
const now = () => performance.now();

/** What a receiver counted: RTP packets and the sequence span they cover (expected = span). */
export interface Received {
  packets: number;
  expected: number;
}

/** Frames the bench's senders were too late to send (this process short of CPU), phones and microphones. */
export interface SenderLag { skipped: number }

/** One outgoing stream: sequence numbers, timestamps and the due time of its next packet. */
class Outgoing {
  sent = 0;
  private readonly seq0 = randomInt(0, 0xffff);
  private readonly ts0 = randomInt(0, 0xffffffff);
  private startedAt = now();

  constructor(readonly socket: Socket, readonly port: number, readonly ssrc: number, private readonly lag: SenderLag) {}

  sendDue(t: number): void {
    const due = Math.floor((t - this.startedAt) / FRAME_MS) + 1;
    const burst = Math.min(due - this.sent, MAX_BURST);
    for (let i = 0; i < burst; i++, this.sent++) {
      const header = { payloadType: 0, sequenceNumber: this.seq0 + this.sent, timestamp: this.ts0 + this.sent * 160, ssrc: this.ssrc, marker: this.sent === 0 };
      this.socket.send(rtpPacket(header, SILENCE), this.port, '127.0.0.1');
    }
    // Beyond a burst the frames are not sent, and the stream goes on from now without a
    // sequence gap: what this process missed is counted here, not as loss at the receiver.
    const behind = due - this.sent;
    if (behind > 0) {
      this.lag.skipped += behind;
      this.startedAt += behind * FRAME_MS;
    }
  }
}

/** A phone's RTP endpoint, reused by successive calls (its port is one line of the sipp -inf file). */
export class BenchPhone {
  /** When the current call's first packet from the room arrived (performance.timeOrigin based ms). */
  firstHeardAt: number | null = null;
  private outgoing: Outgoing | null = null;
  private from = 0;
  private packets = 0;
  private base = -1;
  private highest = 0;

  private constructor(private readonly socket: Socket) {
    socket.on('message', (msg, rinfo) => {
      if (!this.outgoing || rinfo.port !== this.from || msg.length < 12 || msg[0]! >> 6 !== 2) return;
      const second = msg[1]!;
      if (second >= 192 && second <= 223) return; // RTCP on the same port
      if (msg.readUInt32BE(8) === 1234 && (second & 0x7f) === 127) return; // mediasoup's probation padding
      this.count(msg.readUInt16BE(2));
    });
    socket.on('error', () => undefined);
  }

  static async open(): Promise<BenchPhone> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    return new BenchPhone(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  get busy(): boolean {
    return this.outgoing !== null;
  }

  /** The call is answered: talk to `answerPort`, listen to what comes from it. */
  start(answerPort: number, lag: SenderLag): void {
    this.outgoing = new Outgoing(this.socket, answerPort, randomInt(1, 0xffffffff), lag);
    this.from = answerPort;
    this.firstHeardAt = null;
    this.packets = 0;
    this.base = -1;
    this.highest = 0;
  }

  stop(): void {
    this.outgoing = null;
  }

  get sent(): number {
    return this.outgoing?.sent ?? 0;
  }

  received(): Received {
    return { packets: this.packets, expected: this.base < 0 ? 0 : this.highest - this.base + 1 };
  }

  tick(t: number): void {
    this.outgoing?.sendDue(t);
  }

  close(): void {
    this.outgoing = null;
    this.socket.close();
  }

  /** Extended sequence numbers (RFC 3550 A.1, without the probation): a late packet is counted, not expected twice. */
  private count(seq: number): void {
    if (this.firstHeardAt === null) this.firstHeardAt = performance.timeOrigin + now();
    this.packets++;
    if (this.base < 0) {
      this.base = seq;
      this.highest = seq;
      return;
    }
    const last = this.highest & 0xffff;
    const delta = (seq - last + 0x10000) & 0xffff;
    if (delta < 0x8000) this.highest += delta;
  }
}

/** The phones, the microphones and the clock that drives them. */
export class CallAudioRig {
  readonly phoneLag: SenderLag = { skipped: 0 };
  readonly micLag: SenderLag = { skipped: 0 };
  private readonly mics = new Map<string, Outgoing>();
  private readonly timer: NodeJS.Timeout;

  private constructor(readonly phones: BenchPhone[], private readonly micSocket: Socket) {
    this.timer = setInterval(() => {
      const t = now();
      for (const p of this.phones) if (p.busy) p.tick(t);
      for (const m of this.mics.values()) m.sendDue(t);
    }, FRAME_MS);
  }

  static async open(phones: number): Promise<CallAudioRig> {
    const opened: BenchPhone[] = [];
    for (let i = 0; i < phones; i++) opened.push(await BenchPhone.open());
    const micSocket = createSocket('udp4');
    await new Promise<void>((resolve) => micSocket.bind(0, '127.0.0.1', () => resolve()));
    micSocket.on('message', () => undefined); // RTCP from the producers' transports
    micSocket.on('error', () => undefined);
    return new CallAudioRig(opened, micSocket);
  }

  /** A call taker's microphone for `callId`, into its producer's transport at `port`. */
  startMic(callId: string, port: number, ssrc: number): void {
    this.mics.set(callId, new Outgoing(this.micSocket, port, ssrc, this.micLag));
  }

  stopMic(callId: string): number {
    const sent = this.mics.get(callId)?.sent ?? 0;
    this.mics.delete(callId);
    return sent;
  }

  micSent(callId: string): number {
    return this.mics.get(callId)?.sent ?? 0;
  }

  get micPort(): number {
    return this.micSocket.address().port;
  }

  close(): void {
    clearInterval(this.timer);
    for (const p of this.phones) p.close();
    this.mics.clear();
    this.micSocket.close();
  }
}
