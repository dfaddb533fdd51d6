/**
 * The body-camera simulator on a real mediasoup worker: a simulated camera on unit P-103
 * publishes real VP8 720p and Opus (ffmpeg's, replayed in a loop) into an incident's room, and a
 * dispatcher's plain-RTP viewer receives it whole, key frames included, across the clip's loop
 * point. Needs /usr/bin/ffmpeg the first time (it encodes the clip once); without it, and no
 * cached clip, the suite fails and says so.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/env';
import { createLogger } from '../../server/log';
import { WorkerPool } from '../../media/WorkerPool';
import { Room } from '../../media/Room';
import { loadBodycamClip, type BodycamClip } from '../simulators/bodycam-clip';
import { startBodycam, type Bodycam } from '../simulators/bodycam';
import { startPlainViewer, type PlainViewer, type ViewedStream } from '../simulators/bodycam-viewer';
import { until } from '../support/until';

const config = loadConfig({});
const log = createLogger('silent', 'test');
let pool: WorkerPool;
let room: Room;
let clip: BodycamClip;

beforeAll(async () => {
  clip = await loadBodycamClip(); // Encodes with ffmpeg on the first run on this machine (~10-15 s).
  pool = await WorkerPool.start({ size: 1, rtcMinPort: config.MEDIA_RTC_MIN_PORT, rtcMaxPort: config.MEDIA_RTC_MAX_PORT }, log);
  room = await Room.create('incident:INC-BODYCAM-SIM', pool.pick(), { ip: '127.0.0.1' }, log);
}, 120_000);

afterAll(() => {
  room?.close();
  pool?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the clip is real 720p VP8 from ffmpeg: a key frame first, one every 2 s, about 1.4 Mbit/s', () => {
  expect(clip.settings).toMatchObject({ width: 1280, height: 720, fps: 30 });
  expect(clip.keyFrames).toBe(clip.settings.seconds / clip.settings.keyFrameEverySec);
  expect(clip.video.frames).toBe(clip.settings.seconds * clip.settings.fps);
  expect(clip.video.periodTicks).toBe(clip.settings.seconds * 90000);
  expect(clip.videoBitsPerSec).toBeGreaterThan(1_000_000);
  expect(clip.videoBitsPerSec).toBeLessThan(1_800_000);
  // Opus in 20 ms frames: 50 packets a second.
  expect(clip.audio.packets.length).toBeGreaterThanOrEqual(clip.settings.seconds * 50);
});

describe('a body camera on unit P-103 streams into the incident room and a dispatcher watches it', () => {
  let camera: Bodycam;
  let viewer: PlainViewer;
  const stream = (kind: 'video' | 'audio'): ViewedStream => viewer.streams().find((s) => s.kind === kind)!;

  beforeAll(async () => {
    camera = await startBodycam(room, { unitId: 'P-103', clip });
    viewer = await startPlainViewer(room, [camera.video, camera.audio!]);
  });
  afterAll(() => {
    viewer?.close();
    camera?.stop();
  });

  test('the room announces the camera\'s video and audio as the unit\'s body camera', () => {
    expect(room.producerInfos()).toEqual(expect.arrayContaining([
      { producerId: camera.video.id, kind: 'video', source: 'bodycam', unitId: 'P-103', paused: false },
      { producerId: camera.audio!.id, kind: 'audio', source: 'bodycam', unitId: 'P-103', paused: false },
    ]));
  });

  test('the producers count the camera\'s packets and bytes, with none lost on the way in', async () => {
    await until('video to reach the producer', async () => ((await camera.video.getStats())[0]?.packetCount ?? 0) > 100, 5000);
    const [video] = await camera.video.getStats();
    const [audio] = await camera.audio!.getStats();
    expect(video).toMatchObject({ mimeType: 'video/VP8', packetsLost: 0 });
    expect(video!.byteCount).toBeGreaterThan(100_000);
    expect(audio).toMatchObject({ mimeType: 'audio/opus', packetsLost: 0 });
    expect(audio!.packetCount).toBeGreaterThan(20);
  });

  test('past the clip\'s loop point the viewer has every packet, rising timestamps and a key frame every 2 s', async () => {
    const loopAfterMs = (clip.settings.seconds + 1.5) * 1000;
    await until('the camera to loop its clip', () => camera.stats().loops >= 1, loopAfterMs + 5000);
    await sleep(1500);
    const sent = camera.stats();
    const video = stream('video');
    const audio = stream('audio');

    expect(video.firstKeyFrameMs).not.toBeNull();
    expect(video.firstKeyFrameMs!).toBeLessThan(clip.settings.keyFrameEverySec * 1000 + 500);
    expect(video.keyFrames).toBeGreaterThanOrEqual(clip.keyFrames); // 0, 2, 4 s and 6 s (the loop).
    // The viewer joined just after the camera's first key frame, and mediasoup holds video
    // back until the next one (2 s later), so it misses up to a quarter of what was sent.
    expect(video.packets).toBeGreaterThan(0.6 * sent.videoPackets);
    for (const s of [video, audio]) {
      expect(s.lost / s.expected).toBeLessThan(0.005);
      expect(s.duplicates).toBe(0);
      expect(s.timestampRegressions).toBe(0);
    }
    expect(audio.packets).toBeGreaterThan(0.9 * sent.audioPackets);
    expect(viewer.strayPackets()).toBe(0);

    // A seamless loop point is no loss and no jitter spike at the producer either.
    const [atProducer] = await camera.video.getStats();
    expect(atProducer!.packetsLost).toBe(0);
    expect(atProducer!.jitter).toBeLessThan(90 * 50); // < 50 ms in 90 kHz ticks.
  }, 30_000);

  test('stopping the camera closes its producers and the room forgets them', async () => {
    camera.stop();
    await until('the producers to close', () => room.producerInfos().length === 0, 2000);
    expect(camera.video.closed).toBe(true);
    camera.stop(); // Idempotent.
  });
});

test('without ffmpeg and without a cached clip the simulator says what to install', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'beacon-bodycam-cache-'));
  const saved = { ffmpeg: process.env.FFMPEG_PATH, cache: process.env.XDG_CACHE_HOME };
  process.env.FFMPEG_PATH = '/nonexistent/ffmpeg';
  process.env.XDG_CACHE_HOME = cache;
  try {
    await expect(loadBodycamClip()).rejects.toThrow(/needs ffmpeg to encode its clip once, and \/nonexistent\/ffmpeg is missing: install it \(apt-get install ffmpeg\)/);
  } finally {
    restore('FFMPEG_PATH', saved.ffmpeg);
    restore('XDG_CACHE_HOME', saved.cache);
    rmSync(cache, { recursive: true, force: true });
  }
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
