/**
 * One recording: a camera's producers (video and audio), or one voice of a phone call, written
 * to one file by Debian's ffmpeg, without transcoding. Each producer is consumed on its own
 * mediasoup PlainTransport (RTP to an even loopback port, RTCP on the next) that feeds ffmpeg,
 * which reads an SDP file describing the streams and copies them into WebM (VP8 + Opus),
 * Matroska (H.264) or WAV (G.711).
 *
 * ffmpeg runs under `setpriv --pdeathsig INT`, so a server that dies still leaves a finished
 * file (ffmpeg finalises on SIGINT); the server's start-up finalises such files in the audit
 * chain. The recording ends when every producer it records has closed (camera off, crew
 * released, incident closed, worker died) or on `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createSocket, type Socket } from 'node:dgram';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../server/log';
import type { Room } from './Room';
import { udpPortFree, type RtpPortPool } from './udp-ports';
import { FFMPEG, SETPRIV, describeFile, type RecordedFile } from './recording-files';

/**
 * A compound RTCP packet that says goodbye for one SSRC: an empty receiver report, then a BYE
 * (RFC 3550 §6.1 and §6.6; ffmpeg ignores RTCP shorter than 12 bytes).
 */
function rtcpBye(ssrc: number): Buffer {
  const packet = Buffer.from([0x80, 201, 0x00, 0x01, 0, 0, 0, 0, 0x81, 203, 0x00, 0x01, 0, 0, 0, 0]);
  packet.writeUInt32BE(ssrc >>> 0, 4);
  packet.writeUInt32BE(ssrc >>> 0, 12);
  return packet;
}

interface Leg {
  transport: ms.PlainTransport;
  consumer: ms.Consumer;
  port: number;
}

/** A container ffmpeg writes, and the muxer options that keep a crash from losing much. */
export interface Container {
  mimeType: string;
  extension: string;
  format: string;
  muxerArgs: string[];
}

/**
 * Container for a set of producers: WebM holds VP8/VP9/Opus, Matroska anything else, and one
 * G.711 voice goes into WAV (format tag 7 for PCMU, 6 for PCMA): what call recorders keep, what
 * every player reads, and what Chromium's `<audio>` plays as it is (checked in Debian's
 * Chromium), so a call is kept byte for byte as the phone sent it.
 */
export function containerFor(producers: ms.Producer[]): Container {
  const mimes = producers.map((p) => p.rtpParameters.codecs[0]?.mimeType ?? '');
  // Clusters of at most 1 s: a crash (the writer killed) loses at most the one being written.
  const clusters = ['-cluster_time_limit', '1000'];
  if (mimes.length === 1 && /^audio\/(PCMU|PCMA)$/i.test(mimes[0]!)) {
    // WAV has no index: its data is on disk as it comes; a file cut off keeps its placeholder sizes (see repairFile).
    return { mimeType: 'audio/wav', extension: 'wav', format: 'wav', muxerArgs: ['-bitexact'] };
  }
  const webm = mimes.every((m) => /^(video\/VP[89]|audio\/opus)$/i.test(m));
  return webm ? { mimeType: 'video/webm', extension: 'webm', format: 'webm', muxerArgs: clusters } : { mimeType: 'video/x-matroska', extension: 'mkv', format: 'matroska', muxerArgs: clusters };
}

export class Recording {
  private readonly legs: Leg[] = [];
  private ffmpeg: ChildProcess | null = null;
  private stopping = false;
  private readonly exited: Promise<number | null>;
  private resolveExit!: (code: number | null) => void;
  private stderrTail = '';
  /** Receives (and drops) mediasoup's RTCP for the legs; also sends the BYEs that end ffmpeg. */
  private rtcpSink: Socket | null = null;

  private constructor(readonly id: string, readonly path: string, private readonly ports: RtpPortPool, private readonly log: Logger) {
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
  }

  /**
   * Starts recording `producers` of `room` into `path`; resolves once ffmpeg listens and the
   * streams flow to it. `finished` then resolves with the file's hash when it ends.
   */
  static async start(id: string, room: Room, producers: ms.Producer[], path: string, ports: RtpPortPool, log: Logger): Promise<{ recording: Recording; finished: Promise<RecordedFile> }> {
    const recording = new Recording(id, path, ports, log.child({ recordingId: id }));
    try {
      await recording.open(room, producers);
    } catch (err) {
      recording.teardown();
      throw err;
    }
    return { recording, finished: recording.finish() };
  }

  /** Ends the recording; `finished` resolves when the file is complete. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const leg of this.legs) leg.transport.close();
    if (!this.ffmpeg || this.ffmpeg.exitCode !== null) return;
    // An RTCP BYE on every stream is how ffmpeg's RTP input learns the senders left: it ends
    // the input and writes the file's index. (SIGINT alone is not enough: ffmpeg then waits for
    // one more packet, or 10 s.) Sent a few times, as UDP may drop one.
    const sendBye = () => {
      const bye = this.rtcpSink;
      if (bye) for (const leg of this.legs) bye.send(rtcpBye(leg.consumer.rtpParameters.encodings?.[0]?.ssrc ?? 0), leg.port + 1, this.ports.ip, () => undefined);
    };
    sendBye();
    const again = setInterval(sendBye, 250);
    // A stuck ffmpeg is interrupted, then killed (the file may then lack its index).
    const interrupt = setTimeout(() => this.ffmpeg?.kill('SIGINT'), 3000);
    const kill = setTimeout(() => this.ffmpeg?.exitCode === null && this.ffmpeg.kill('SIGKILL'), 15_000);
    void this.exited.finally(() => {
      clearInterval(again);
      clearTimeout(interrupt);
      clearTimeout(kill);
    });
  }

  private async open(room: Room, producers: ms.Producer[]): Promise<void> {
    const { format, muxerArgs } = containerFor(producers);
    for (const producer of producers) {
      const port = await this.ports.reserve();
      const transport = await room.createPlainTransport({ rtcpMux: false, comedia: false, appData: { recordingId: this.id } });
      const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: recorderCapabilities(room, producer), paused: true });
      this.legs.push({ transport, consumer, port });
      consumer.on('producerclose', () => this.legEnded(transport));
      consumer.on('transportclose', () => this.legEnded(transport));
    }
    this.rtcpSink = createSocket('udp4');
    this.rtcpSink.on('message', () => undefined);
    await new Promise<void>((resolve) => this.rtcpSink!.bind(0, this.ports.ip, () => resolve()));
    const sdpPath = this.path.replace(/\.[a-z0-9]+$/, '.sdp');
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(sdpPath, sdpFor(this.ports.ip, this.legs));
    const args = [
      '--pdeathsig', 'INT', '--', FFMPEG, '-hide_banner', '-loglevel', 'error', '-nostats', '-nostdin',
      // Probe 2 s at most (a key frame is asked for at once), then write every packet as it comes,
      // so the file on disk is never far behind the camera.
      '-protocol_whitelist', 'file,udp,rtp', '-fflags', '+genpts', '-reorder_queue_size', '64', '-analyzeduration', '2000000',
      '-i', sdpPath, '-map', '0', '-c', 'copy', '-f', format, '-flush_packets', '1', ...muxerArgs, '-y', this.path,
    ];
    const child = spawn(SETPRIV, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.ffmpeg = child;
    child.stderr!.on('data', (chunk: Buffer) => (this.stderrTail = (this.stderrTail + chunk.toString()).slice(-2000)));
    child.on('error', (err) => {
      this.log.error({ err }, 'ffmpeg could not be started');
      this.resolveExit(null);
    });
    child.on('exit', (code) => this.resolveExit(code));
    await this.untilListening();
    for (const leg of this.legs) {
      // mediasoup's RTCP goes to a sink of ours, not to ffmpeg: ffmpeg re-bases a stream's
      // timestamps on the first sender report, which made early packets jump (up to ~1.5 s
      // seen); without it each stream is timed from its first packet (they start together).
      await leg.transport.connect({ ip: this.ports.ip, port: leg.port, rtcpPort: this.rtcpSink!.address().port });
      await leg.consumer.resume();
    }
    this.requestKeyFrames();
  }

  /** ffmpeg binds its RTP ports when it opens the SDP input; wait for that (bounded). */
  private async untilListening(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (this.ffmpeg?.exitCode !== null) throw new Error(`ffmpeg exited at start: ${this.stderrTail.trim() || `code ${this.ffmpeg?.exitCode}`}`);
      const bound = await Promise.all(this.legs.map(async (l) => !(await udpPortFree(this.ports.ip, l.port))));
      if (bound.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error('ffmpeg did not open its RTP ports within 10 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** A file starts with a key frame: ask the camera for some while ffmpeg probes the streams. */
  private requestKeyFrames(): void {
    for (const delay of [0, 400, 1200, 2500]) {
      setTimeout(() => {
        for (const leg of this.legs) if (leg.consumer.kind === 'video' && !leg.consumer.closed) leg.consumer.requestKeyFrame().catch(() => undefined);
      }, delay).unref();
    }
  }

  private legEnded(transport: ms.PlainTransport): void {
    if (!transport.closed) transport.close();
    if (this.legs.every((l) => l.transport.closed || l.consumer.closed)) this.stop();
  }

  private async finish(): Promise<RecordedFile> {
    const code = await this.exited;
    this.teardown();
    const endedAt = new Date().toISOString();
    // 255: ffmpeg stopped by SIGINT (its normal end here).
    if (code !== 0 && code !== 255) throw new Error(`ffmpeg ended with code ${code}: ${this.stderrTail.trim().slice(-500)}`);
    return { ...(await describeFile(this.path)), endedAt };
  }

  /** Releases the transports and ports; an ffmpeg still running (a failed start) is killed. */
  private teardown(): void {
    this.stopping = true;
    for (const leg of this.legs) {
      if (!leg.transport.closed) leg.transport.close();
      this.ports.release(leg.port);
    }
    if (this.ffmpeg && this.ffmpeg.exitCode === null) this.ffmpeg.kill('SIGKILL');
    this.rtcpSink?.close();
    this.rtcpSink = null;
  }
}

/**
 * The router's codec for this producer only, no RTX and no header extensions: plain RTP for
 * ffmpeg. A phone leg's telephone-event is left out on purpose: Beacon's worker forwards RFC 4733
 * packets to consumers that negotiated them, and in a G.711 file they would be noise.
 */
export function recorderCapabilities(room: Room, producer: ms.Producer): ms.RtpCapabilities {
  const mime = producer.rtpParameters.codecs[0]?.mimeType.toLowerCase();
  return { codecs: (room.rtpCapabilities.codecs ?? []).filter((c) => c.mimeType.toLowerCase() === mime), headerExtensions: [] };
}

/** The SDP ffmpeg reads: one m= line per leg, with the consumer's payload type and codec. */
export function sdpFor(ip: string, legs: { consumer: ms.Consumer; port: number }[]): string {
  const lines = ['v=0', `o=- 0 0 IN IP4 ${ip}`, 's=Beacon recording', `c=IN IP4 ${ip}`, 't=0 0'];
  for (const { consumer, port } of legs) {
    const codec = consumer.rtpParameters.codecs[0]!;
    const name = codec.mimeType.split('/')[1]!;
    lines.push(`m=${consumer.kind} ${port} RTP/AVP ${codec.payloadType}`);
    lines.push(`a=rtpmap:${codec.payloadType} ${name}/${codec.clockRate}${codec.channels && codec.channels > 1 ? `/${codec.channels}` : ''}`);
    const fmtp = Object.entries(codec.parameters ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(';');
    if (fmtp) lines.push(`a=fmtp:${codec.payloadType} ${fmtp}`);
    lines.push(`a=rtcp:${port + 1}`, 'a=recvonly');
  }
  return `${lines.join('\r\n')}\r\n`;
}
