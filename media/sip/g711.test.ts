/**
 * G.711 as the Recommendation tabulates it: every μ-law and A-law code decodes to the value
 * its segment and step give (ITU-T G.711 tables 1a/2a, scaled to 16 bits as G.191 does), every
 * code survives encode(decode(x)), and any 16-bit sample is encoded to the nearest step.
 */
import { DECODE, decodeG711, encodeG711, encodeSample } from './g711';

/** μ-law on the 8159 scale: segment s starts at MU_START[s], its 16 steps are 2^(s+1) wide. */
const MU_START = [0, 31, 95, 223, 479, 991, 2015, 4063];
/** A-law on the 4096 scale: segment ends 32, 64, 128, … 4096; segments 0 and 1 share a step of 2. */
const A_START = [0, 32, 64, 128, 256, 512, 1024, 2048];

function muLawTable(code: number): number {
  const inverted = ~code & 0xff;
  const s = (inverted >> 4) & 7;
  const q = inverted & 15;
  const magnitude = s === 0 ? 2 * q : MU_START[s]! + 2 ** (s + 1) * (q + 0.5);
  return inverted & 0x80 ? 0 - magnitude * 4 : magnitude * 4; // 0x7F is -0 on paper, 0 in int16
}

function aLawTable(code: number): number {
  const a = code ^ 0x55;
  const s = (a >> 4) & 7;
  const q = a & 15;
  const step = s < 2 ? 2 : 2 ** s;
  const magnitude = A_START[s]! + step * (q + 0.5);
  return (a & 0x80 ? magnitude : -magnitude) * 8;
}

test('the known codes decode to their table values (μ-law 0xFF is 0, 0x00 is -32124; A-law 0xD5 is 8, 0x55 is -8)', () => {
  expect(DECODE.PCMU[0xff]).toBe(0);
  expect(DECODE.PCMU[0x00]).toBe(-32124);
  expect(DECODE.PCMU[0x80]).toBe(32124);
  expect(DECODE.PCMA[0xd5]).toBe(8);
  expect(DECODE.PCMA[0x55]).toBe(-8);
  expect(DECODE.PCMA[0xaa]).toBe(32256);
  expect(DECODE.PCMA[0x2a]).toBe(-32256);
});

test('all 256 codes of each law decode to what the Recommendation\'s segment tables give', () => {
  for (let code = 0; code < 256; code++) {
    expect([code, DECODE.PCMU[code]]).toEqual([code, muLawTable(code)]);
    expect([code, DECODE.PCMA[code]]).toEqual([code, aLawTable(code)]);
  }
});

test('encode(decode(x)) gives x back for every code (μ-law\'s negative zero 0x7F comes back as 0xFF)', () => {
  for (let code = 0; code < 256; code++) {
    expect([code, encodeSample('PCMA', DECODE.PCMA[code]!)]).toEqual([code, code]);
    expect([code, encodeSample('PCMU', DECODE.PCMU[code]!)]).toEqual([code, code === 0x7f ? 0xff : code]);
  }
});

/** The decision interval [low, high) of a code on its law's scale (tables 1a/2a, column 2). */
function decisionInterval(codec: 'PCMU' | 'PCMA', code: number): [number, number] {
  if (codec === 'PCMU') {
    const inverted = ~code & 0x7f;
    const s = inverted >> 4;
    const q = inverted & 15;
    if (s === 0) return q === 0 ? [0, 1] : [2 * q - 1, 2 * q + 1];
    const step = 2 ** (s + 1);
    return [MU_START[s]! + step * q, MU_START[s]! + step * (q + 1)];
  }
  const a = (code ^ 0x55) & 0x7f;
  const s = a >> 4;
  const q = a & 15;
  const step = s < 2 ? 2 : 2 ** s;
  return [A_START[s]! + step * q, A_START[s]! + step * (q + 1)];
}

test('every 16-bit sample is encoded to the step whose decision interval holds it, with the sign it has', () => {
  for (const [codec, shift, top] of [['PCMU', 2, 8159], ['PCMA', 3, 4096]] as const) {
    const misplaced: number[] = [];
    for (let x = -32768; x <= 32767; x++) {
      const code = encodeSample(codec, x);
      // The law's magnitude of a two's complement sample: x or ~x, on the 14-bit / 13-bit scale.
      const magnitude = Math.min((x < 0 ? ~x : x) >> shift, top - 1);
      const [low, high] = decisionInterval(codec, code);
      const positive = codec === 'PCMU' ? (code & 0x80) !== 0 : ((code ^ 0x55) & 0x80) !== 0;
      if (magnitude < low || magnitude >= high || positive !== x >= 0) misplaced.push(x);
    }
    expect([codec, misplaced.slice(0, 5)]).toEqual([codec, []]);
  }
});

test('frames decode and encode in place, and sums beyond 16 bits saturate instead of wrapping', () => {
  const codes = Uint8Array.from([0xff, 0x80, 0x00, 0x7e]);
  const pcm = new Int16Array(6);
  decodeG711('PCMU', codes, 0, 4, pcm, 2);
  expect([...pcm]).toEqual([0, 0, 0, 32124, -32124, DECODE.PCMU[0x7e]]);

  const out = new Uint8Array(4);
  encodeG711('PCMA', Int32Array.from([70000, -70000, 8, -8]), 4, out, 0);
  expect([...out]).toEqual([0xaa, 0x2a, 0xd5, 0x55]);
});
