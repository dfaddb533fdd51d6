/**
 * A body camera stand-in that sends real encoded media: Debian's ffmpeg encodes a test
 * pattern (VP8) and a tone (Opus) in real time and sends them as RTP to loopback ports. ffmpeg
 * sends RTCP from a socket of its own, so the receiving comedia PlainTransports must not
 * multiplex RTCP (`rtcpMux: false`): each stream has an RTP and an RTCP port.
 */
import { FFMPEG, runTool } from '../../media/recording-files';

export interface FfmpegCameraStreams {
  video: { port: number; rtcpPort: number; payloadType: number; ssrc: number };
  audio: { port: number; rtcpPort: number; payloadType: number; ssrc: number };
}

/** Sends `seconds` of 640x360 VP8 at 25 fps + Opus; resolves when ffmpeg is done. */
export async function runFfmpegCamera({ video, audio }: FfmpegCameraStreams, seconds: number): Promise<void> {
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
  const { code, stderr } = await runTool(FFMPEG, args);
  if (code !== 0) throw new Error(`ffmpeg camera ended with ${code}: ${stderr.slice(-500)}`);
}
