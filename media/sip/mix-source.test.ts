/**
 * One voice of a conference mix, packet by packet: what a phone's RTP becomes in the voice's
 * FIFO, and the packets a broken or hostile sender can produce, each dropped and counted.
 */
import { rtpPacket } from '../../tests/support/rtp';
import { DECODE, encodeSample } from './g711';
import { FIFO_MAX_SAMPLES, FRAME_SAMPLES, MixSource, payloadStart } from './mix-source';

const ssrc = 0x1234;
function voicePacket(seq: number, value: number, samples = FRAME_SAMPLES, payloadType = 0): Buffer {
  return rtpPacket({ payloadType, sequenceNumber: seq, timestamp: 1000 + seq * FRAME_SAMPLES, ssrc, marker: false }, Buffer.alloc(samples, encodeSample('PCMU', value)));
}
const level = (value: number) => DECODE.PCMU[encodeSample('PCMU', value)]!;

test('a voice is heard once 40 ms of it is buffered, frame by frame, and drains into silence when the phone stops', () => {
  const voice = new MixSource('p1', 'phone', 'PCMU', 0);
  voice.push(voicePacket(0, 1000));
  expect(voice.pull()).toBe(false); // 20 ms buffered: still filling
  voice.push(voicePacket(1, 2000));
  expect(voice.pull()).toBe(true);
  expect(voice.frame.every((s) => s === level(1000))).toBe(true);
  expect(voice.pull()).toBe(true);
  expect(voice.frame.every((s) => s === level(2000))).toBe(true);
  expect(voice.pull()).toBe(false); // the phone stopped: one underrun, then plain silence
  expect(voice.pull()).toBe(false);
  expect(voice.counts).toMatchObject({ packetsIn: 2, underruns: 1 });
});

test('a frame the voice cannot fill is padded with silence and counted as an underrun', () => {
  const voice = new MixSource('p1', 'phone', 'PCMU', 0);
  voice.push(voicePacket(0, 1000, 240));
  voice.push(voicePacket(1.5, 1000, 100)); // 340 samples: primed, two full frames and 20 samples
  expect([voice.pull(), voice.pull(), voice.pull()]).toEqual([true, true, true]);
  expect(voice.frame.slice(0, 20).every((s) => s === level(1000))).toBe(true);
  expect(voice.frame.slice(20).every((s) => s === 0)).toBe(true);
  expect(voice.counts.underruns).toBe(1);
});

test('a lost packet inside a talk spurt is filled with silence so the voice keeps its timing', () => {
  const voice = new MixSource('p1', 'phone', 'PCMU', 0);
  voice.push(voicePacket(0, 1000));
  voice.push(voicePacket(2, 3000)); // packet 1 lost
  expect(voice.pull()).toBe(true);
  expect(voice.pull()).toBe(true);
  expect(voice.frame.every((s) => s === 0)).toBe(true);
  expect(voice.pull()).toBe(true);
  expect(voice.frame.every((s) => s === level(3000))).toBe(true);
});

test('a voice running ahead loses its oldest samples: never more than 200 ms wait in its FIFO', () => {
  const voice = new MixSource('p1', 'phone', 'PCMU', 0);
  for (let seq = 0; seq < 15; seq++) voice.push(voicePacket(seq, seq * 100));
  expect(voice.counts.overruns).toBe(15 - FIFO_MAX_SAMPLES / FRAME_SAMPLES);
  voice.pull();
  expect(voice.frame[0]).toBe(level(500)); // packets 0-4 were pushed out
  let frames = 1;
  while (voice.pull()) frames++;
  expect(frames).toBe(FIFO_MAX_SAMPLES / FRAME_SAMPLES);
});

test('duplicates and late packets are dropped, and a paused voice forgets what it buffered', () => {
  const voice = new MixSource('p1', 'phone', 'PCMU', 0);
  voice.push(voicePacket(0, 1000));
  voice.push(voicePacket(1, 1000));
  voice.push(voicePacket(1, 1000));
  voice.push(voicePacket(0, 1000));
  expect(voice.counts).toMatchObject({ packetsIn: 4, late: 2 });
  voice.clear();
  expect(voice.pull()).toBe(false);
  voice.push(voicePacket(0, 1000)); // after a pause the stream may start anywhere
  expect(voice.counts.late).toBe(2);
});

test('garbage, cut-off headers, other payload types and impossible payloads are counted, never taken', () => {
  const voice = new MixSource('p1', 'phone', 'PCMU', 0);
  const good = voicePacket(0, 1000);
  const withCsrcCount = Buffer.from(good);
  withCsrcCount[0] = 0x8f; // 15 CSRCs: 60 bytes of them, then 100 samples
  const extensionTooLong = Buffer.concat([good.subarray(0, 12), Buffer.from([0xbe, 0xde, 0xff, 0xff])]);
  extensionTooLong[0] = 0x90;
  const paddingTooLong = Buffer.from(good);
  paddingTooLong[0] = 0xa0;
  paddingTooLong[paddingTooLong.length - 1] = 255;
  for (const packet of [Buffer.alloc(0), Buffer.from([0x80, 0x00, 0x01]), Buffer.alloc(200, 0xff), good.subarray(0, 12), extensionTooLong, paddingTooLong, voicePacket(0, 0, 1000)]) {
    voice.push(packet);
  }
  voice.push(voicePacket(1, 0, 4, 101)); // RFC 4733 telephone-event
  voice.push(voicePacket(2, 0, 1, 13)); // comfort noise
  expect(voice.counts).toMatchObject({ packetsIn: 0, malformed: 7, otherPayloadType: 2 });
  voice.push(withCsrcCount); // 172 bytes: 12 + 60 of CSRCs, 100 samples of payload
  expect(voice.counts.packetsIn).toBe(1);
  expect(voice.pull()).toBe(false);
});

test('an RTP payload starts after the CSRCs and the header extension', () => {
  const packet = Buffer.alloc(12 + 8 + 8 + 160);
  packet[0] = 0x92; // extension, 2 CSRCs
  packet.writeUInt16BE(0xbede, 20);
  packet.writeUInt16BE(1, 22); // one 32-bit word of extension
  expect(payloadStart(packet)).toBe(12 + 8 + 4 + 4);
  expect(payloadStart(packet.subarray(0, 22))).toBe(-1);
  expect(payloadStart(Buffer.from([0x40, ...Buffer.alloc(11)]))).toBe(-1); // version 1
});
