/**
 * ITU-T G.711 μ-law and A-law, table-driven, for the conference mixer (`RoomMixer.ts`): a
 * 256-entry table decodes a code to 16-bit linear PCM, a 65,536-entry table encodes any int16
 * sample to its code. Built once at load from the Recommendation's segment rules (the same
 * arithmetic as the reference `g711.c` of ITU-T G.191), so a frame costs one table look-up per
 * sample and no allocation.
 */
import type { G711Codec } from './sdp';

/** Decoded value of each of the 256 codes (the Recommendation's "decoder output" column). */
export const DECODE: Readonly<Record<G711Codec, Int16Array>> = { PCMU: new Int16Array(256), PCMA: new Int16Array(256) };
/** Code of each int16 sample, indexed by `sample + 32768`. */
const ENCODE: Readonly<Record<G711Codec, Uint8Array>> = { PCMU: new Uint8Array(65536), PCMA: new Uint8Array(65536) };

/** μ-law: the code's bits are inverted, the 14-bit magnitude is biased by 33 before the segment search. */
function ulawDecode(code: number): number {
  const u = ~code & 0xff;
  const t = ((((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4)) - 0x84;
  return u & 0x80 ? -t : t;
}

function ulawEncode(sample: number): number {
  // The magnitude of a negative sample is taken as ~sample (ITU-T G.191's g711.c), so -1..-4
  // fall in the first step like 0..3 (the Sun code's -(sample >> 2) shifts every negative one up).
  let magnitude = sample >> 2; // 14-bit
  let mask = 0xff;
  if (magnitude < 0) {
    magnitude = ~sample >> 2;
    mask = 0x7f;
  }
  magnitude = Math.min(magnitude, 8159) + 0x21;
  const segment = segmentOf(magnitude >> 6); // segment ends 0x3f, 0x7f, … 0x1fff
  if (segment >= 8) return 0x7f ^ mask;
  return ((segment << 4) | ((magnitude >> (segment + 1)) & 0x0f)) ^ mask;
}

/** A-law: even bits inverted (0x55), 13-bit magnitude, the first two segments share one step. */
function alawDecode(code: number): number {
  const a = code ^ 0x55;
  const segment = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  t = segment === 0 ? t + 8 : ((t + 0x108) << (segment - 1));
  return a & 0x80 ? t : -t;
}

function alawEncode(sample: number): number {
  let magnitude = sample >> 3; // 13-bit
  let mask = 0xd5;
  if (magnitude < 0) {
    magnitude = -magnitude - 1;
    mask = 0x55;
  }
  const segment = segmentOf(magnitude >> 5); // segment ends 0x1f, 0x3f, … 0xfff
  if (segment >= 8) return 0x7f ^ mask;
  const mantissa = segment < 2 ? (magnitude >> 1) & 0x0f : (magnitude >> segment) & 0x0f;
  return ((segment << 4) | mantissa) ^ mask;
}

/** The segment (0-7, 8 beyond the last) of a magnitude shifted so that segment 0 is 0. */
function segmentOf(shifted: number): number {
  let segment = 0;
  while (shifted > 0 && segment < 8) {
    shifted >>= 1;
    segment++;
  }
  return segment;
}

for (let code = 0; code < 256; code++) {
  DECODE.PCMU[code] = ulawDecode(code);
  DECODE.PCMA[code] = alawDecode(code);
}
for (let i = 0; i < 65536; i++) {
  ENCODE.PCMU[i] = ulawEncode(i - 32768);
  ENCODE.PCMA[i] = alawEncode(i - 32768);
}

/** Decodes `count` codes of `payload` from `offset` into `out` (from `outOffset`). */
export function decodeG711(codec: G711Codec, payload: Uint8Array, offset: number, count: number, out: Int16Array, outOffset: number): void {
  const table = DECODE[codec];
  for (let i = 0; i < count; i++) out[outOffset + i] = table[payload[offset + i]!]!;
}

/**
 * Encodes `count` samples of `pcm` (int32 sums, clipped here to int16) into `out` from
 * `outOffset`: the mixer's sums of several talkers exceed int16 and saturate instead of wrapping.
 */
export function encodeG711(codec: G711Codec, pcm: Int32Array | Int16Array, count: number, out: Uint8Array, outOffset: number): void {
  const table = ENCODE[codec];
  for (let i = 0; i < count; i++) {
    const s = pcm[i]!;
    out[outOffset + i] = table[(s > 32767 ? 32767 : s < -32768 ? -32768 : s) + 32768]!;
  }
}

/** One sample's code (tests, single values). */
export function encodeSample(codec: G711Codec, sample: number): number {
  return ENCODE[codec][Math.max(-32768, Math.min(32767, Math.round(sample))) + 32768]!;
}
