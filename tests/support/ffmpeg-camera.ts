/**
 * A body camera stand-in that sends real encoded media: Debian's ffmpeg encodes a test
 * pattern (VP8) and a tone (Opus) in real time and sends them as RTP to loopback ports. ffmpeg
 * sends RTCP from a socket of its own, so the receiving comedia PlainTransports must not
 * multiplex RTCP (`rtcpMux: false`): each stream has an RTP and an RTCP port.
 */
import { spawn } from 'node:child_process';
import { FFMPEG } from '../../media/Recording';

export interface FfmpegCameraStreams {
  video: { port: number; rtcpPort: number; payloadType: number; ssrc: number };
  audio: { port: number; rtcpPort: number; payloadType: number; ssrc: number };
}

/** Sends `seconds` of 640x360 VP8 at 25 fps + Opus; resolves when ffmpeg is done. */
export function runFfmpegCamera({ video, audio }: FfmpegCameraStreams, seconds: number): Promise<void> {
  const rtp = (s: { port: number; rtcpPort: number }) => `rtp://127.0.0.1:${s.port}?rtcpport=${s.rtcpPort}&pkt_size=1200`;
  const args = [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-re',
    '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=25:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-map', '0:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '600k', '-g', '25',
    '-payload_type', String(video.payloadType), '-ssrc', String(video.ssrc), '-f', 'rtp', rtp(video),
    '-map', '1:a', '-c:a', 'libopus', '-ac', '2', '-b:a', '32k',
    '-payload_type', String(audio.payloadType), '-ssrc', String(audio.ssrc), '-f', 'rtp', rtp(audio),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(FFMPEG, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg camera ended with ${code}: ${err.slice(-500)}`))));
  });
}
