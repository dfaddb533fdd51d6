/**
 * Pure tones as G.711 audio and finding them again in what a phone heard: the conference tests
 * give every party its own frequency and check who hears whom (Goertzel over a Hann window).
 */
import { encodeG711 } from '../../media/sip/g711';
import type { G711Codec } from '../../media/sip/sdp';

/** A tone generator keeping its phase from frame to frame. */
export class Tone {
  private phase = 0;
  constructor(readonly frequency: number, private readonly codec: G711Codec = 'PCMU', private readonly amplitude = 8000) {}

  /** The next 20 ms (160 samples) of the tone, encoded. */
  frame(): Buffer {
    const pcm = new Int16Array(160);
    for (let i = 0; i < 160; i++) pcm[i] = Math.round(this.amplitude * Math.sin((this.phase += (2 * Math.PI * this.frequency) / 8000)));
    const out = Buffer.alloc(160);
    encodeG711(this.codec, pcm, 160, out, 0);
    return out;
  }
}

/** Power of `frequency` in `signal` (Goertzel over a Hann window, so a glitch does not smear a tone everywhere). */
export function tonePower(signal: Int16Array, frequency: number): number {
  const n = signal.length;
  const coeff = 2 * Math.cos((2 * Math.PI * frequency) / 8000);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = signal[i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)));
    const s = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (n * n);
}

const NOISE_PROBES = [300, 700, 1400, 2300, 3100];

/**
 * Which of `tones` stand 30 dB above the noise floor: the strongest probe between them, or a
 * power of 1 (an amplitude of 4, below G.711's smallest step) when the probes find nothing at
 * all — tones on a common grid put their quantization products on that grid only.
 */
export function tonesIn(signal: Int16Array, tones: number[]): number[] {
  const floor = Math.max(1, ...NOISE_PROBES.map((f) => tonePower(signal, f)));
  return tones.filter((f) => tonePower(signal, f) > 1000 * floor);
}
