/**
 * A media room on a real mediasoup worker: its codecs, real RTP through it on loopback, and
 * what its peers see when it is rebuilt after a worker death or closed with its incident.
 */
import { loadConfig } from '../config/env';
import { createLogger } from '../server/log';
import type { Actor } from '../server/protocol';
import { RtpSink, sendRtp } from '../tests/support/rtp';
import { WorkerPool } from './WorkerPool';
import { Room, type MediaEventFrame } from './Room';
import { Peer } from './Peer';

const config = loadConfig({});
const log = createLogger('silent', 'test');
const listen = { ip: '127.0.0.1' };
const dispatcher: Actor = { id: 'u1', username: 'dispatcher.police', role: 'dispatcher', agencyId: 'police', jurisdiction: 'city', unitId: null };
let pool: WorkerPool;

beforeAll(async () => {
  pool = await WorkerPool.start({ size: 2, rtcMinPort: config.MEDIA_RTC_MIN_PORT, rtcMaxPort: config.MEDIA_RTC_MAX_PORT }, log);
});
afterAll(() => pool?.close());

function viewer(room: Room): { peer: Peer; frames: MediaEventFrame[] } {
  const frames: MediaEventFrame[] = [];
  const peer = new Peer(`peer-${Math.random()}`, dispatcher, room, (f) => frames.push(f));
  room.join(peer);
  return { peer, frames };
}

test('an incident room offers Opus for voice and VP8 and H.264 for video', async () => {
  const room = await Room.create('incident:INC-1', pool.pick(), listen, log);
  const codecs = room.rtpCapabilities.codecs!.filter((c) => !c.mimeType.endsWith('/rtx'));
  expect(codecs.map((c) => c.mimeType)).toEqual(['audio/opus', 'video/VP8', 'video/H264']);
  expect(codecs[2]!.parameters).toMatchObject({ 'packetization-mode': 1, 'profile-level-id': '42e01f' });
  room.close();
});

test('a radio gateway\'s voice (plain RTP, Opus) reaches a plain RTP listener through the room, and viewers hear of the producer', async () => {
  const room = await Room.create('incident:INC-2', pool.pick(), listen, log);
  const { frames } = viewer(room);
  const sink = await RtpSink.open();
  try {
    const source = await room.createPlainTransport({ rtcpMux: true, comedia: true });
    expect(source.tuple.localIp).toBe('127.0.0.1');
    expect(source.tuple.localPort).toBeGreaterThanOrEqual(config.MEDIA_RTC_MIN_PORT);
    expect(source.tuple.localPort).toBeLessThanOrEqual(config.MEDIA_RTC_MAX_PORT);
    const producer = await source.produce({
      kind: 'audio', rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 11111111 }] },
      appData: { source: 'radio', unitId: null },
    });
    expect(frames).toContainEqual({ type: 'media.event', roomId: 'incident:INC-2', event: 'producer.added', producerId: producer.id, unitId: null, kind: 'audio' });
    expect(room.producerInfos()).toEqual([{ producerId: producer.id, kind: 'audio', source: 'radio', unitId: null, paused: false }]);

    const listener = await room.createPlainTransport({ rtcpMux: true, comedia: false });
    await listener.connect({ ip: '127.0.0.1', port: sink.port });
    const consumer = await listener.consume({ producerId: producer.id, rtpCapabilities: room.rtpCapabilities });
    const sent = await sendRtp(source.tuple.localPort, { codec: 'opus', payloadType: 111, ssrc: 11111111 }, 100);

    for (let i = 0; i < 40 && sink.packets.length < sent; i++) await new Promise((r) => setTimeout(r, 25));
    const expected = { payloadType: consumer.rtpParameters.codecs[0]!.payloadType, ssrc: consumer.rtpParameters.encodings![0]!.ssrc };
    expect(sink.packets.length).toBeGreaterThan(50);
    expect(sink.packets.length).toBeGreaterThanOrEqual(sent * 0.9);
    expect(sink.packets.every((p) => p.payloadType === expected.payloadType && p.ssrc === expected.ssrc)).toBe(true);

    const consumerClosed = new Promise((resolve) => consumer.observer.once('close', () => resolve(true)));
    producer.close();
    expect(frames.at(-1)).toMatchObject({ event: 'producer.closed', producerId: producer.id });
    expect(await consumerClosed).toBe(true); // the listener's consumer follows (mediasoup tells it asynchronously)
  } finally {
    sink.close();
    room.close();
  }
});

test('a rebuilt room has a new router, its old transports are gone and its peers are told to reconnect', async () => {
  const worker = pool.pick();
  const room = await Room.create('incident:INC-3', worker, listen, log);
  const { peer, frames } = viewer(room);
  const transport = await peer.createTransport('recv');
  const oldRouterId = room.routerId;
  const resets: string[] = [];
  room.on('reset', (routerId) => resets.push(routerId));

  await room.rebuild(pool.pick());

  expect(room.routerId).not.toBe(oldRouterId);
  expect(resets).toEqual([room.routerId]);
  expect(transport.closed).toBe(true);
  expect(peer.counts).toEqual({ transports: 0, producers: 0, consumers: 0 });
  expect(frames).toEqual([{ type: 'media.event', roomId: 'incident:INC-3', event: 'room.reset' }]);
  // The peer reconnects on the new router.
  const again = await peer.createTransport('recv');
  expect(again.closed).toBe(false);
  room.close();
});

test('a closed room tells its peers, closes every transport and refuses new ones', async () => {
  const room = await Room.create('incident:INC-4', pool.pick(), listen, log);
  const { peer, frames } = viewer(room);
  const transport = await peer.createTransport('recv');
  room.close();
  room.close();
  expect(transport.closed).toBe(true);
  expect(frames).toEqual([{ type: 'media.event', roomId: 'incident:INC-4', event: 'room.closed' }]);
  await expect(room.createWebRtcTransport({})).rejects.toMatchObject({ code: 'media_unavailable' });
});
