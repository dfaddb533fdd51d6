/** RFC 4733 telephone-event payloads and the digits a caller's key presses become. */
import { TelephoneEventDetector, digitOf, parseTelephoneEvent, readRtp } from './rfc4733';

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');

/**
 * Key "1" as sipp's dtmf_2833_1.pcap (Debian's sip-tester) carries it, payloads byte for byte:
 * event 1, volume 10, duration 0 to 2240 (280 ms) in 160-unit steps, all at timestamp 13280,
 * the marker on the first, the end packet (E bit, 0x8a) three times.
 */
const KEY_1 = ['010a0000', '010a0140', '010a0280', '010a03c0', '010a0500', '010a0640', '010a0780', '018a08c0', '018a08c0', '018a08c0'].map(hex);

/** One press as a desk phone sends it: marker, updates every 50 ms (400 units), three end packets. */
function press(event: number, durationUnits: number): { marker: boolean; payload: Buffer }[] {
  const packets: { marker: boolean; payload: Buffer }[] = [];
  const payload = (end: boolean, d: number) => Buffer.from([event, (end ? 0x80 : 0) | 10, d >> 8, d & 0xff]);
  for (let d = 0; d < durationUnits; d += 400) packets.push({ marker: d === 0, payload: payload(false, d) });
  for (let i = 0; i < 3; i++) packets.push({ marker: false, payload: payload(true, durationUnits) });
  return packets;
}

describe('telephone-event payload (RFC 4733 §2.3)', () => {
  test('event, end bit, volume and duration are read from the four bytes', () => {
    expect(parseTelephoneEvent(hex('010a0280'))).toEqual({ event: 1, end: false, volume: 10, duration: 640 });
    expect(parseTelephoneEvent(hex('018a08c0'))).toEqual({ event: 1, end: true, volume: 10, duration: 2240 });
    // The reserved R bit is ignored; volume is six bits.
    expect(parseTelephoneEvent(hex('0bff ffff'))).toEqual({ event: 11, end: true, volume: 63, duration: 0xffff });
  });

  test('a payload shorter than one event is no event, and never throws', () => {
    expect(parseTelephoneEvent(hex(''))).toBeNull();
    expect(parseTelephoneEvent(hex('018a08'))).toBeNull();
  });

  test('events 0-15 are the digits 0-9 * # A-D; flash (16) and tones are not digits', () => {
    expect([...Array(16).keys()].map(digitOf).join('')).toBe('0123456789*#ABCD');
    expect(digitOf(16)).toBeNull();
    expect(digitOf(32)).toBeNull();
    expect(digitOf(255)).toBeNull();
  });
});

describe('RTP packets the tap receives (RFC 3550 §5.1)', () => {
  test('a plain header: payload type, marker, sequence, timestamp, SSRC and the payload', () => {
    const rtp = readRtp(hex('80e5 1f30 000033e0 0e05384e 010a0000'));
    expect(rtp).toMatchObject({ payloadType: 101, marker: true, sequenceNumber: 7984, timestamp: 13280, ssrc: 0x0e05384e });
    expect(Buffer.from(rtp!.payload).toString('hex')).toBe('010a0000');
  });

  test('CSRCs, the header extension mediasoup keeps on its output, and padding are skipped', () => {
    // V=2 P=1 X=1 CC=1; one CSRC; a one-byte-header extension block of 1 word; payload; 2 bytes of padding.
    const rtp = readRtp(hex('b165 0001 00000140 deadbeef 11111111 bede0001 10ff0000 018a08c0 0002'));
    expect(rtp).toMatchObject({ payloadType: 101, marker: false, timestamp: 320, ssrc: 0xdeadbeef });
    expect(Buffer.from(rtp!.payload).toString('hex')).toBe('018a08c0');
  });

  test('truncated or non-RTP bytes are no packet', () => {
    expect(readRtp(hex('80e51f30'))).toBeNull();
    expect(readRtp(hex('40e5 1f30 000033e0 0e05384e 010a0000'))).toBeNull(); // version 1
    expect(readRtp(hex('90e5 1f30 000033e0 0e05384e bede00ff'))).toBeNull(); // extension longer than the packet
    expect(readRtp(hex('a0e5 1f30 000033e0 0e05384e 01ff'))).toBeNull(); // padding longer than the packet
  });
});

describe('a caller pressing keys: each digit reported exactly once', () => {
  test("sipp's key 1 (repeated packets of one timestamp, the end packet three times) is one digit, 280 ms", () => {
    const detector = new TelephoneEventDetector();
    const digits = KEY_1.flatMap((payload, i) => detector.event(13280, i === 0, payload));
    expect(digits).toEqual([{ digit: '1', timestamp: 13280, durationMs: 280 }]);
    expect(detector.ignored.repeat).toBe(2);
  });

  test('a dialled sequence comes out in order, by digit and timestamp, the same key twice included', () => {
    const detector = new TelephoneEventDetector();
    const keys = [9, 1, 1, 10, 11, 12, 15, 0];
    const digits = keys.flatMap((event, i) => press(event, 800 + i * 160).flatMap((p) => detector.event(100_000 + i * 8000, p.marker, p.payload)));
    expect(digits.map((d) => d.digit).join('')).toBe('911*#AD0');
    expect(digits.map((d) => d.timestamp)).toEqual(keys.map((_, i) => 100_000 + i * 8000));
    expect(digits[0]!.durationMs).toBe(100);
  });

  test('an end packet that comes again after the next key began is still the old press, not a new one', () => {
    const detector = new TelephoneEventDetector();
    const five = press(5, 800);
    const six = press(6, 800);
    const out = [
      ...five.slice(0, -1).flatMap((p) => detector.event(8000, p.marker, p.payload)),
      ...six.slice(0, 2).flatMap((p) => detector.event(16000, p.marker, p.payload)),
      ...detector.event(8000, false, five.at(-1)!.payload), // the third end packet of 5, late
      ...six.slice(2).flatMap((p) => detector.event(16000, p.marker, p.payload)),
    ];
    expect(out.map((d) => d.digit)).toEqual(['5', '6']);
  });

  test('a press whose end packets were all lost is reported when the next key begins, or when the audio goes on past it', () => {
    const detector = new TelephoneEventDetector();
    const noEnd = (event: number) => press(event, 1200).filter((p) => (p.payload[1]! & 0x80) === 0);
    const first = noEnd(3).flatMap((p) => detector.event(40_000, p.marker, p.payload));
    expect(first).toEqual([]);
    const second = noEnd(4).flatMap((p) => detector.event(56_000, p.marker, p.payload));
    expect(second).toEqual([{ digit: '3', timestamp: 40_000, durationMs: 100 }]);
    // Audio within 200 ms of what the tone reported does not end it; audio past that does.
    expect(detector.audio(56_000 + 800 + 1600)).toEqual([]);
    expect(detector.audio(56_000 + 800 + 1760)).toEqual([{ digit: '4', timestamp: 56_000, durationMs: 100 }]);
    expect(detector.audio(70_000)).toEqual([]);
    // The lost press's late end packets change nothing.
    expect(detector.event(56_000, false, Buffer.from([4, 0x8a, 0x04, 0xb0]))).toEqual([]);
  });

  test('a tone longer than one segment (§2.5.1.3: a new timestamp, no marker) is one press with the whole duration', () => {
    const detector = new TelephoneEventDetector();
    const te = (end: boolean, d: number) => Buffer.from([7, (end ? 0x80 : 0) | 10, d >> 8, d & 0xff]);
    expect(detector.event(1000, true, te(false, 0))).toEqual([]);
    expect(detector.event(1000, false, te(false, 0xffff))).toEqual([]);
    expect(detector.event(1000 + 0xffff, false, te(false, 4000))).toEqual([]);
    expect(detector.event(1000 + 0xffff, false, te(true, 8000))).toEqual([{ digit: '7', timestamp: 1000, durationMs: Math.round(((0xffff + 8000) * 1000) / 8000) }]);
    expect(detector.event(1000 + 0xffff, false, te(true, 8000))).toEqual([]);
    expect(detector.event(1000, false, te(false, 0xffff))).toEqual([]);
  });

  test('the RTP timestamp wrapping around 2^32 does not confuse presses', () => {
    const detector = new TelephoneEventDetector();
    const before = press(2, 800).flatMap((p) => detector.event(0xffffff00, p.marker, p.payload));
    const after = press(8, 800).flatMap((p) => detector.event(0x00001000, p.marker, p.payload));
    expect([...before, ...after].map((d) => d.digit)).toEqual(['2', '8']);
  });

  test('garbage, flash (event 16), out-of-range events and a conflicting event at the same timestamp are ignored, and counted', () => {
    const detector = new TelephoneEventDetector();
    expect(detector.event(500, true, hex('01'))).toEqual([]);
    expect(detector.event(500, true, hex(''))).toEqual([]);
    expect(detector.event(600, true, hex('108a0320'))).toEqual([]); // flash
    expect(detector.event(700, true, hex('ff8a0320'))).toEqual([]);
    expect(detector.event(800, true, hex('050a0000'))).toEqual([]);
    expect(detector.event(800, false, hex('068a0320'))).toEqual([]); // another event at the 5's timestamp
    expect(detector.event(800, false, hex('058a0320'))).toEqual([{ digit: '5', timestamp: 800, durationMs: 100 }]);
    expect(detector.ignored).toMatchObject({ malformed: 2, 'not-a-digit': 2, conflict: 1 });
  });
});
