/**
 * A conference in a call room on a real mediasoup worker: phones on PlainTransports sending
 * tones as G.711 RTP from loopback UDP sockets, each hearing everyone but itself through the
 * room's mixer (tones found by the Goertzel algorithm in what the phone's socket receives).
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { types as ms } from 'mediasoup';
import { loadConfig } from '../../config/env';
import { createLogger } from '../../server/log';
import { rtpPacket, type RtpHeader } from '../../tests/support/rtp';
import { until } from '../../tests/support/until';
import { tonePower, tonesIn } from '../../tests/support/tones';
import { CALL_MEDIA_CODECS, Room } from '../Room';
import { WorkerPool } from '../WorkerPool';
import { DECODE, encodeG711 } from './g711';
import { payloadStart } from './mix-source';
import { RoomMixer } from './RoomMixer';
import { G711, type G711Codec } from './sdp';

const config = loadConfig({});
const log = createLogger('silent', 'test');
const listen = { ip: '127.0.0.1' };
let pool: WorkerPool;
const rooms: Room[] = [];
const phones: TonePhone[] = [];

beforeAll(async () => {
  pool = await WorkerPool.start({ size: 1, rtcMinPort: config.MEDIA_RTC_MIN_PORT, rtcMaxPort: config.MEDIA_RTC_MAX_PORT }, log);
});
afterEach(() => {
  for (const phone of phones.splice(0)) phone.close();
  for (const room of rooms.splice(0)) room.close();
});
afterAll(() => pool?.close());

async function callRoom(id: string): Promise<Room> {
  const room = await Room.create(`call:${id}`, pool.pick(), listen, log, CALL_MEDIA_CODECS);
  rooms.push(room);
  return room;
}

interface Heard extends RtpHeader {
  samples: Int16Array;
}

/**
 * A phone: a UDP socket that sends a pure tone as 20 ms G.711 RTP frames (paced against a
 * monotonic clock, like a phone's sound card) to its PlainTransport, and decodes the RTP it gets.
 */
class TonePhone {
  readonly heard: Heard[] = [];
  private timer: NodeJS.Timeout | null = null;
  private seq = 100;
  private timestamp = 80_000;
  private phase = 0;
  private readonly replacements: { payloadType: number; payload: Buffer }[] = [];
  private listening: { payloadType: number; ssrc: number } | null = null;

  private constructor(
    readonly name: string, readonly socket: Socket, readonly transport: ms.PlainTransport, readonly producer: ms.Producer,
    readonly ssrc: number, readonly codec: G711Codec, readonly frequency: number,
  ) {
    socket.on('message', (msg) => {
      if (!this.listening || msg.length < 12 || (msg[1]! & 0x7f) !== this.listening.payloadType || msg.readUInt32BE(8) !== this.listening.ssrc) return;
      const start = payloadStart(msg); // mediasoup adds a header extension
      if (start < 0) return;
      const samples = new Int16Array(msg.length - start);
      for (let i = 0; i < samples.length; i++) samples[i] = DECODE[this.codec][msg[start + i]!]!;
      this.heard.push({
        payloadType: msg[1]! & 0x7f, marker: (msg[1]! & 0x80) !== 0, sequenceNumber: msg.readUInt16BE(2), timestamp: msg.readUInt32BE(4), ssrc: msg.readUInt32BE(8), samples,
      });
    });
  }

  static async open(room: Room, name: string, frequency: number, codec: G711Codec = 'PCMU'): Promise<TonePhone> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    const transport = await room.createPlainTransport({ rtcpMux: true, comedia: false, appData: { source: 'phone' } });
    await transport.connect({ ip: '127.0.0.1', port: socket.address().port });
    const ssrc = 0x10000 + Math.floor(Math.random() * 0xfff0000);
    const producer = await transport.produce({
      kind: 'audio',
      rtpParameters: {
        codecs: [{ mimeType: `audio/${codec}`, payloadType: G711[codec], clockRate: 8000 }, { mimeType: 'audio/telephone-event', payloadType: 101, clockRate: 8000 }],
        encodings: [{ ssrc }],
      },
      appData: { source: 'phone', party: name },
    });
    const phone = new TonePhone(name, socket, transport, producer, ssrc, codec, frequency);
    phones.push(phone);
    return phone;
  }

  /** Starts talking: one frame every 20 ms of the monotonic clock. */
  talk(): void {
    const epoch = performance.now();
    let frames = 0;
    const pcm = new Int32Array(160);
    const step = () => {
      while (performance.now() - epoch >= frames * 20) {
        const replacement = this.replacements.shift();
        let payload: Buffer;
        if (replacement) {
          payload = replacement.payload;
        } else {
          for (let i = 0; i < 160; i++) pcm[i] = Math.round(8000 * Math.sin((this.phase += (2 * Math.PI * this.frequency) / 8000)));
          payload = Buffer.alloc(160);
          encodeG711(this.codec, pcm, 160, payload, 0);
        }
        const header = { payloadType: replacement?.payloadType ?? G711[this.codec], sequenceNumber: this.seq++, timestamp: this.timestamp, ssrc: this.ssrc, marker: false };
        this.timestamp += 160;
        this.raw(rtpPacket(header, payload));
        frames++;
      }
      this.timer = setTimeout(step, Math.max(0, epoch + frames * 20 - performance.now()));
    };
    step();
  }

  /** Stops sending (a phone whose line went quiet, or that lost its network). */
  silence(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The next packet of the stream carries this payload type and payload instead of the tone. */
  replaceNext(payloadType: number, payload: Buffer): void {
    this.replacements.push({ payloadType, payload });
  }

  raw(packet: Buffer): void {
    this.socket.send(packet, this.transport.tuple.localPort, '127.0.0.1');
  }

  /** The phone's transport consumes `producerId` (its mix) in the phone's codec. */
  async hear(room: Room, producerId: string): Promise<ms.Consumer> {
    const caps = { codecs: room.rtpCapabilities.codecs!.filter((c) => c.mimeType === `audio/${this.codec}`) };
    const consumer = await this.transport.consume({ producerId, rtpCapabilities: caps });
    this.listening = { payloadType: consumer.rtpParameters.codecs[0]!.payloadType, ssrc: consumer.rtpParameters.encodings![0]!.ssrc! };
    return consumer;
  }

  /** What the phone heard from packet `from` on, as one signal. */
  signal(from = 0): Int16Array {
    const packets = this.heard.slice(from);
    const out = new Int16Array(packets.reduce((n, p) => n + p.samples.length, 0));
    let at = 0;
    for (const p of packets) {
      out.set(p.samples, at);
      at += p.samples.length;
    }
    return out;
  }

  close(): void {
    this.silence();
    this.socket.close();
  }
}

/** Sequence numbers +1 and timestamps +160 from packet to packet; returns the timestamp jumps (frames skipped). */
function skippedFrames(heard: Heard[]): number {
  let skipped = 0;
  for (let i = 1; i < heard.length; i++) {
    expect((heard[i]!.sequenceNumber - heard[i - 1]!.sequenceNumber) & 0xffff).toBe(1);
    const step = (heard[i]!.timestamp - heard[i - 1]!.timestamp) >>> 0;
    expect(step % 160).toBe(0);
    skipped += step / 160 - 1;
  }
  return skipped;
}

const TONES = { A: 440, B: 1000, C: 1800 };

test('in a three-phone conference each phone hears the other two and not itself, in its own codec (PCMU and PCMA)', async () => {
  const room = await callRoom('CONF-1');
  const a = await TonePhone.open(room, 'A', TONES.A, 'PCMU');
  const b = await TonePhone.open(room, 'B', TONES.B, 'PCMU');
  const c = await TonePhone.open(room, 'C', TONES.C, 'PCMA');
  const mixer = new RoomMixer(room, log);
  for (const phone of [a, b, c]) phone.talk();

  const mixForA = await mixer.mixFor(a.producer.id, 'PCMU');
  const mixForC = await mixer.mixFor(c.producer.id, 'PCMA');
  expect(await mixer.mixFor(a.producer.id, 'PCMU')).toBe(mixForA); // shared, not a second mix
  await a.hear(room, mixForA);
  await c.hear(room, mixForC);
  expect(room.producerInfos().filter((p) => p.source === 'mix').map((p) => p.producerId).sort()).toEqual([mixForA, mixForC].sort());

  await until('a second of mix at A and C', () => a.heard.length >= 60 && c.heard.length >= 60);
  const atA = a.signal(a.heard.length - 50);
  const atC = c.signal(c.heard.length - 50);
  expect(tonesIn(atA, Object.values(TONES))).toEqual([TONES.B, TONES.C]);
  expect(tonesIn(atC, Object.values(TONES))).toEqual([TONES.A, TONES.B]);
  // The listener's own voice is not there at all (what is left at its frequency is the
  // quantization of the other two, 40 dB and more below them), nor is one voice lost in the sum.
  expect(tonePower(atA, TONES.A)).toBeLessThan(tonePower(atA, TONES.B) / 1e4);
  expect(tonePower(atC, TONES.C)).toBeLessThan(tonePower(atC, TONES.A) / 1e4);
  expect(tonePower(atA, TONES.B) / tonePower(atA, TONES.C)).toBeCloseTo(1, 0);
  expect(a.heard.every((p, i) => p.marker === (i === 0 && p.marker))).toBe(true); // a marker on the first packet at most

  const counts = mixer.snapshot();
  expect(counts.sources.map((s) => s.codec).sort()).toEqual(['PCMA', 'PCMU', 'PCMU']);
  expect(counts.outputs.map((o) => [o.listenerProducerId, o.codec])).toEqual([[a.producer.id, 'PCMU'], [c.producer.id, 'PCMA']]);
  expect(counts.errors).toBe(0);
  expect(counts.totals.packetsIn).toBeGreaterThan(100);
  console.log(`mix of 3 voices for 2 phones: ${counts.framesMixed} frames in ${counts.mixMs.toFixed(1)} ms (${counts.sendMs.toFixed(1)} ms of it handing packets to the worker)`);

  mixer.release(a.producer.id);
  await until('the mix for A closed in the room', () => !room.producer(mixForA));
  expect(mixer.snapshot().outputs.map((o) => o.listenerProducerId)).toEqual([c.producer.id]);
  mixer.close();
  mixer.close();
  expect(room.producer(mixForC)).toBeUndefined();
});

test('a paused voice and one that stops sending drop out of the mix; the mix keeps its 50 packets/s with continuous sequence and timestamps', async () => {
  const room = await callRoom('CONF-2');
  const a = await TonePhone.open(room, 'A', TONES.A);
  const b = await TonePhone.open(room, 'B', TONES.B);
  const c = await TonePhone.open(room, 'C', TONES.C);
  const mixer = new RoomMixer(room, log);
  for (const phone of [a, b, c]) phone.talk();
  await a.hear(room, await mixer.mixFor(a.producer.id, 'PCMU'));
  await until('the mix at A', () => a.heard.length >= 30);
  expect(tonesIn(a.signal(a.heard.length - 25), Object.values(TONES))).toEqual([TONES.B, TONES.C]);

  await b.producer.pause();
  const afterPause = a.heard.length + 5; // what was already on its way
  await until('half a second of mix after B held', () => a.heard.length >= afterPause + 25);
  expect(tonesIn(a.signal(afterPause), Object.values(TONES))).toEqual([TONES.C]);

  c.silence();
  const started = performance.now();
  const afterSilence = a.heard.length + 12; // C's FIFO holds at most 200 ms
  await until('a second of mix after C went quiet', () => a.heard.length >= afterSilence + 50);
  const quiet = a.signal(afterSilence);
  expect(quiet.findIndex((s) => s !== 0)).toBe(-1); // nobody left to hear but A itself: digital silence
  const seconds = (performance.now() - started) / 1000;
  console.log(`mix while its voices dropped out: ${((a.heard.length - afterSilence + 12) / seconds).toFixed(1)} packets/s`);

  const counts = mixer.snapshot();
  expect(skippedFrames(a.heard)).toBe(counts.framesSkipped);
  expect(counts.sources.find((s) => s.producerId === c.producer.id)!.underruns).toBeGreaterThanOrEqual(1);

  await b.producer.resume();
  c.talk();
  const afterReturn = a.heard.length + 10;
  await until('the mix after B and C came back', () => a.heard.length >= afterReturn + 25);
  expect(tonesIn(a.signal(afterReturn), Object.values(TONES))).toEqual([TONES.B, TONES.C]);
});

test('an event loop stalled for half a second sends at most a few late frames, then skips the rest: no burst, no drift', async () => {
  const room = await callRoom('CONF-3');
  const a = await TonePhone.open(room, 'A', TONES.A);
  const b = await TonePhone.open(room, 'B', TONES.B);
  const mixer = new RoomMixer(room, log);
  b.talk();
  await a.hear(room, await mixer.mixFor(a.producer.id, 'PCMU'));
  await until('the mix at A', () => a.heard.length >= 10);
  const before = a.heard.length;
  const blockedUntil = performance.now() + 500;
  while (performance.now() < blockedUntil); // a synchronous stall of the whole process
  await until('the mix at A after the stall', () => a.heard.length >= before + 20);

  const counts = mixer.snapshot();
  expect(counts.framesSkipped).toBeGreaterThanOrEqual(15);
  expect(skippedFrames(a.heard)).toBe(counts.framesSkipped);
  // 25 frames were due after the stall: 3 were sent, the rest skipped; the clock then goes on at 20 ms.
  expect(counts.framesMixed + counts.framesSkipped).toBeGreaterThanOrEqual(before + 25);
});

test('garbage and telephone-event packets sent to a voice do not break the mix or throw', async () => {
  const room = await callRoom('CONF-4');
  const a = await TonePhone.open(room, 'A', TONES.A);
  const b = await TonePhone.open(room, 'B', TONES.B);
  const c = await TonePhone.open(room, 'C', TONES.C);
  const mixer = new RoomMixer(room, log);
  for (const phone of [a, b, c]) phone.talk();
  await a.hear(room, await mixer.mixFor(a.producer.id, 'PCMU'));
  await until('the mix at A', () => a.heard.length >= 20);

  for (let i = 0; i < 20; i++) b.raw(Buffer.from(Array.from({ length: 1 + i * 13 }, (_, k) => (k * 37 + i) & 0xff)));
  b.raw(Buffer.from([0x80, 0x00]));
  b.replaceNext(101, Buffer.from([0x05, 0x0a, 0x00, 0xa0])); // RFC 4733 digit 5
  b.replaceNext(101, Buffer.from([0x05, 0x8a, 0x01, 0x40])); // its end
  b.replaceNext(0, Buffer.alloc(1200, 0xff)); // 150 ms in one packet: no phone sends that
  b.replaceNext(0, Buffer.alloc(0)); // header only
  const after = a.heard.length + 10;
  await until('half a second of mix after the garbage', () => a.heard.length >= after + 25);

  expect(tonesIn(a.signal(after), Object.values(TONES))).toEqual([TONES.B, TONES.C]);
  const counts = mixer.snapshot();
  const voiceB = counts.sources.find((s) => s.producerId === b.producer.id)!;
  expect(counts.errors).toBe(0);
  expect(voiceB.malformed).toBeGreaterThanOrEqual(1); // the oversized packet reached the mixer and was refused
  console.log(`voice B after garbage: ${JSON.stringify(voiceB)}`);
  skippedFrames(a.heard);
});

test('the mixer follows its room: rebuilt after a worker death it reports the lost mixes and mixes again; closed with it', async () => {
  const room = await callRoom('CONF-5');
  const b = await TonePhone.open(room, 'B', TONES.B);
  const mixer = new RoomMixer(room, log);
  const lost: (string | null)[][] = [];
  mixer.on('reset', (listeners) => lost.push(listeners));
  const first = await mixer.mixFor(null, 'PCMA');
  await until('the voice of B in the mixer', () => mixer.snapshot().sources.length === 1);
  await expect(mixer.mixFor(null, 'G722' as G711Codec)).rejects.toMatchObject({ code: 'validation_failed' });

  await room.rebuild(pool.pick());
  expect(lost).toEqual([[null]]);
  expect(mixer.snapshot()).toMatchObject({ sources: [], outputs: [] });
  const again = await mixer.mixFor(null, 'PCMA');
  expect(again).not.toBe(first);
  expect(room.producer(again)?.appData).toEqual({ source: 'mix', for: null });
  expect(b.producer.closed).toBe(true);

  const closed = new Promise((resolve) => mixer.on('close', () => resolve(true)));
  room.close();
  expect(await closed).toBe(true);
  await expect(mixer.mixFor(null, 'PCMU')).rejects.toMatchObject({ code: 'media_unavailable' });
});

test('CPU: ten voices mixed for ten listeners', async () => {
  const room = await callRoom('CONF-6');
  const transport = await room.createDirectTransport({ source: 'test' });
  const voices = await Promise.all(Array.from({ length: 10 }, (_, i) => transport.produce({
    kind: 'audio', rtpParameters: { codecs: [{ mimeType: 'audio/PCMU', payloadType: 0, clockRate: 8000 }], encodings: [{ ssrc: 5000 + i }] },
    appData: { source: 'dispatcher' },
  })));
  const mixer = new RoomMixer(room, log);
  await until('ten voices in the mixer', () => mixer.snapshot().sources.length === 10);
  for (const voice of voices) await mixer.mixFor(voice.id, 'PCMU');

  const tone = Buffer.alloc(160);
  encodeG711('PCMU', Int32Array.from({ length: 160 }, (_, i) => Math.round(4000 * Math.sin(i / 3))), 160, tone, 0);
  const epoch = performance.now();
  let [cpu, measuredFrom, warm] = [process.cpuUsage(), epoch, mixer.snapshot()];
  for (let frame = 0; frame < 150; frame++) {
    if (frame === 50) [cpu, measuredFrom, warm] = [process.cpuUsage(), performance.now(), mixer.snapshot()]; // the JIT has compiled the loops
    for (const [i, voice] of voices.entries()) voice.send(rtpPacket({ payloadType: 0, sequenceNumber: frame, timestamp: frame * 160, ssrc: 5000 + i, marker: false }, tone));
    await new Promise((r) => setTimeout(r, Math.max(0, epoch + (frame + 1) * 20 - performance.now())));
  }
  const used = process.cpuUsage(cpu);
  const counts = mixer.snapshot();
  expect(counts.outputs.every((o) => o.packetsOut > 100)).toBe(true);
  expect(counts.totals.packetsIn).toBeGreaterThan(1000);
  const frames = counts.framesMixed - warm.framesMixed;
  const perFrame = (counts.mixMs - warm.mixMs) / frames;
  const mixing = (counts.mixMs - counts.sendMs - warm.mixMs + warm.sendMs) / frames;
  console.log(
    `10 voices × 10 mixes, ${frames} frames after ${warm.framesMixed} of warm-up; a frame of all ten mixes takes ${(perFrame * 1000).toFixed(0)} µs ` +
    `(${(mixing * 1000).toFixed(0)} µs decoding, summing and encoding, the rest handing 10 packets to the worker): ` +
    `${(1000 / perFrame).toFixed(0)} frames/s, ${((perFrame / 20) * 100).toFixed(2)} % of a core at 50 frames/s; ` +
    `whole test process (senders, sockets, mediasoup IPC) ${((used.user + used.system) / 1000 / ((performance.now() - measuredFrom) / 1000) / 10).toFixed(1)} % of a core`,
  );
});
