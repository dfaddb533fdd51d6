/**
 * The body-camera clip: a few seconds of real VP8 and Opus RTP, encoded once by Debian's ffmpeg
 * from a test pattern and a tone, captured off a loopback UDP socket and cached outside the repo
 * (`$XDG_CACHE_HOME/beacon/bodycam-clip-<hash>/`, default `~/.cache`), keyed by the encoding
 * settings. Later runs load the cache and need no ffmpeg. Real encoder output matters: packet
 * sizes, frame bursts, key-frame size and the VP8 descriptor are what a camera really sends.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isRtp, payloadTypeOf, readVp8, sequenceOf, timestampOf } from './rtp-wire';

/** How the clip is encoded. The defaults are a 720p body camera. */
export interface ClipSettings {
  width: number;
  height: number;
  fps: number;
  videoKbps: number;
  /** Seconds between key frames; the clip length should be a multiple of it. */
  keyFrameEverySec: number;
  seconds: number;
}

export const BODYCAM_720P: ClipSettings = { width: 1280, height: 720, fps: 30, videoKbps: 1400, keyFrameEverySec: 2, seconds: 6 };

/** Payload types the clip is encoded with (the room's router accepts any dynamic type). */
export const CLIP_PAYLOAD_TYPES = { video: 96, audio: 111 } as const;

/** One stream of the clip, ready to loop. */
export interface ClipStream {
  clockRate: number;
  packets: Buffer[];
  /** RTP clock ticks of one pass: last timestamp - first + one frame, so loops join seamlessly. */
  periodTicks: number;
  /** Distinct frames (timestamps) in one pass: the VP8 picture id advances by this per loop. */
  frames: number;
}

export interface BodycamClip {
  settings: ClipSettings;
  video: ClipStream;
  audio: ClipStream;
  keyFrames: number;
  /** Encoded video bitrate of the clip, RTP headers included. */
  videoBitsPerSec: number;
  cacheDir: string;
}

/** The ffmpeg binary (Debian's); FFMPEG_PATH overrides it. */
export const ffmpegPath = (): string => process.env.FFMPEG_PATH ?? '/usr/bin/ffmpeg';

const cacheRoot = () => join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'beacon');

/** The clip for `settings`, from the cache or encoded now (a few seconds of ffmpeg, once). */
export async function loadBodycamClip(settings: ClipSettings = BODYCAM_720P): Promise<BodycamClip> {
  const hash = createHash('sha256').update(JSON.stringify({ settings, args: ffmpegArgs(settings, 0) })).digest('hex').slice(0, 12);
  const cacheDir = join(cacheRoot(), `bodycam-clip-${hash}`);
  const file = join(cacheDir, 'clip.rtp');
  if (!existsSync(file)) {
    if (!existsSync(ffmpegPath())) {
      throw new Error(`the body-camera simulator needs ffmpeg to encode its clip once, and ${ffmpegPath()} is missing: ` +
        'install it (apt-get install ffmpeg) or set FFMPEG_PATH');
    }
    const packets = await captureFromFfmpeg(settings);
    mkdirSync(cacheDir, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, serialize(packets));
    renameSync(partial, file); // Atomic: a bench and a test encoding at once never read half a file.
  }
  return buildClip(settings, deserialize(readFileSync(file)), cacheDir);
}

function ffmpegArgs(s: ClipSettings, port: number): string[] {
  const url = `rtp://127.0.0.1:${port}?rtcpport=${port}&pkt_size=1200`;
  const gop = String(Math.round(s.fps * s.keyFrameEverySec));
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-re',
    '-f', 'lavfi', '-i', `testsrc2=size=${s.width}x${s.height}:rate=${s.fps}:duration=${s.seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${s.seconds}`,
    // A camera's real-time encoder: constant bitrate, no look-ahead or alt-ref frames, fixed GOP.
    '-map', '0:v', '-c:v', 'libvpx', '-b:v', `${s.videoKbps}k`, '-minrate', `${s.videoKbps}k`, '-maxrate', `${s.videoKbps}k`,
    '-deadline', 'realtime', '-cpu-used', '8', '-g', gop, '-keyint_min', gop, '-auto-alt-ref', '0', '-lag-in-frames', '0',
    '-error-resilient', '1', '-pix_fmt', 'yuv420p', '-threads', '2',
    '-payload_type', String(CLIP_PAYLOAD_TYPES.video), '-ssrc', '1', '-f', 'rtp', url,
    '-map', '1:a', '-c:a', 'libopus', '-b:a', '32k', '-frame_duration', '20',
    '-payload_type', String(CLIP_PAYLOAD_TYPES.audio), '-ssrc', '2', '-f', 'rtp', url,
  ];
}

/** Runs ffmpeg at real time (`-re`: no burst for the socket to drop) and keeps its RTP packets. */
async function captureFromFfmpeg(s: ClipSettings): Promise<Buffer[]> {
  const socket = createSocket('udp4');
  const packets: Buffer[] = [];
  socket.on('message', (msg) => {
    if (isRtp(msg)) packets.push(msg);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  try {
    const ffmpeg = spawn(ffmpegPath(), ffmpegArgs(s, socket.address().port), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    ffmpeg.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    const limit = setTimeout(() => ffmpeg.kill('SIGKILL'), (s.seconds * 6 + 30) * 1000);
    const code = await new Promise<number | null>((resolve, reject) => {
      ffmpeg.on('error', reject);
      ffmpeg.on('exit', (c) => resolve(c));
    }).finally(() => clearTimeout(limit));
    if (code !== 0) throw new Error(`ffmpeg failed to encode the body-camera clip (exit ${code}): ${stderr.trim().slice(-500)}`);
    await new Promise((r) => setTimeout(r, 300)); // The last datagrams may still be queued.
  } finally {
    socket.close();
  }
  return packets;
}

/** Cache format: per packet, a u8 stream tag (0 video, 1 audio), a u16 length, the bytes. */
function serialize(packets: Buffer[]): Buffer {
  return Buffer.concat(packets.flatMap((p) => {
    const head = Buffer.alloc(3);
    head[0] = payloadTypeOf(p) === CLIP_PAYLOAD_TYPES.video ? 0 : 1;
    head.writeUInt16BE(p.length, 1);
    return [head, p];
  }));
}

function deserialize(data: Buffer): { video: Buffer[]; audio: Buffer[] } {
  const out = { video: [] as Buffer[], audio: [] as Buffer[] };
  for (let at = 0; at + 3 <= data.length;) {
    const length = data.readUInt16BE(at + 1);
    (data[at] === 0 ? out.video : out.audio).push(data.subarray(at + 3, at + 3 + length));
    at += 3 + length;
  }
  return out;
}

function buildClip(settings: ClipSettings, packets: { video: Buffer[]; audio: Buffer[] }, cacheDir: string): BodycamClip {
  const video = clipStream('video', packets.video, 90000, cacheDir);
  const audio = clipStream('audio', packets.audio, 48000, cacheDir);
  const vp8 = video.packets.map((p) => readVp8(p));
  if (!vp8[0]?.keyFrame) throw new Error(`the body-camera clip in ${cacheDir} does not start with a VP8 key frame; delete the directory to re-encode it`);
  const bytes = video.packets.reduce((sum, p) => sum + p.length, 0);
  return {
    settings, video, audio, cacheDir,
    keyFrames: vp8.filter((d) => d?.keyFrame).length,
    videoBitsPerSec: (bytes * 8) / (video.periodTicks / video.clockRate),
  };
}

/** Checks one captured stream is whole (a lost datagram would make every loop stutter). */
function clipStream(kind: string, packets: Buffer[], clockRate: number, cacheDir: string): ClipStream {
  const broken = (why: string) => new Error(`the body-camera clip's ${kind} in ${cacheDir} ${why}; delete the directory to re-encode it`);
  if (packets.length < 10) throw broken(`has only ${packets.length} packets`);
  for (let i = 1; i < packets.length; i++) {
    if (((sequenceOf(packets[i]!) - sequenceOf(packets[i - 1]!)) & 0xffff) !== 1) throw broken(`has a sequence gap after packet ${i - 1}`);
  }
  const timestamps = [...new Set(packets.map(timestampOf))];
  const steps = new Map<number, number>();
  for (let i = 1; i < timestamps.length; i++) {
    const step = (timestamps[i]! - timestamps[i - 1]!) >>> 0;
    steps.set(step, (steps.get(step) ?? 0) + 1);
  }
  const frameTicks = [...steps.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  const spanTicks = (timestamps.at(-1)! - timestamps[0]!) >>> 0;
  return { clockRate, packets, periodTicks: spanTicks + frameTicks, frames: timestamps.length };
}
