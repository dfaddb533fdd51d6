/**
 * The rolling buffer behind Replay: the last N seconds of a call's audio as PCM, kept by an
 * AudioWorklet fed with the call's tracks (the caller's voice as received, this seat's
 * microphone; Web Audio mixes them), and turned into a WAV on demand.
 *
 * Why not MediaRecorder: its WebM is decodable only from its own start (the header, then
 * clusters whose cut points the browser chooses), so "the last 30 s" of a long call cannot be
 * cut from it, and its blobs carry neither duration nor cues to seek to the last 30 s either;
 * overlapping recorders restarted in turn would each run an Opus encoder for the whole call.
 * A PCM ring at the call's own 8 kHz costs about 1 MB, nothing to encode until Replay, and
 * yields exactly the last N seconds. The live audio is untouched: the tracks are read, not
 * moved, and the replay plays in an element of its own.
 */

/** G.711's rate: a phone call holds nothing above 4 kHz, so the ring keeps 8,000 samples a second. */
const RATE = 8000;

/**
 * The worklet: averages each `factor` input samples into one (a box low-pass before taking
 * every `factor`th: the context runs at 48 kHz, the call is 8 kHz audio) into a ring of
 * `size` samples; answers a message with the ring's contents, oldest first.
 */
const TAP_SOURCE = `
class BeaconRecallTap extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const { size, factor } = options.processorOptions;
    this.ring = new Float32Array(size);
    this.factor = factor;
    this.pos = 0;
    this.filled = 0;
    this.acc = 0;
    this.n = 0;
    this.port.onmessage = () => {
      const out = new Float32Array(this.filled);
      const start = (this.pos - this.filled + this.ring.length) % this.ring.length;
      for (let i = 0; i < this.filled; i++) out[i] = this.ring[(start + i) % this.ring.length];
      this.port.postMessage(out, [out.buffer]);
    };
  }
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      this.acc += channel[i];
      if (++this.n < this.factor) continue;
      this.ring[this.pos] = this.acc / this.factor;
      this.pos = (this.pos + 1) % this.ring.length;
      if (this.filled < this.ring.length) this.filled++;
      this.acc = 0;
      this.n = 0;
    }
    return true;
  }
}
registerProcessor('beacon-recall-tap', BeaconRecallTap);
`;

export class RecallBuffer {
  private ctx: AudioContext | null = null;
  private tap: Promise<AudioWorkletNode> | null = null;
  private readonly sources = new Map<MediaStreamTrack, MediaStreamAudioSourceNode>();
  private closed = false;

  constructor(private readonly seconds: number) {}

  /** Buffers these tracks from now on (and no others). */
  follow(tracks: MediaStreamTrack[]): void {
    if (this.closed) return;
    const wanted = new Set(tracks.filter((t) => t.readyState === 'live'));
    for (const [track, source] of this.sources) {
      if (wanted.has(track)) continue;
      source.disconnect();
      this.sources.delete(track);
    }
    const added = [...wanted].filter((t) => !this.sources.has(t));
    if (added.length === 0) return;
    void this.node().then((node) => {
      for (const track of added) {
        if (this.closed || this.sources.has(track) || track.readyState !== 'live') continue;
        const source = this.ctx!.createMediaStreamSource(new MediaStream([track]));
        source.connect(node);
        this.sources.set(track, source);
      }
    }).catch((err: Error) => console.warn(`call recall: cannot buffer the call's audio: ${err.message}`));
  }

  /** Seconds of audio in the buffer now. */
  async bufferedSeconds(): Promise<number> {
    return (await this.samples()).length / RATE;
  }

  /** The buffer as a 16-bit PCM WAV (null while it is empty). */
  async wav(): Promise<Blob | null> {
    await this.ctx?.resume();
    const samples = await this.samples();
    return samples.length === 0 ? null : wavOf(samples, RATE);
  }

  close(): void {
    this.closed = true;
    for (const source of this.sources.values()) source.disconnect();
    this.sources.clear();
    void this.ctx?.close().catch(() => undefined);
    this.ctx = null;
  }

  /** One snapshot at a time: the worklet answers in order, on one port. */
  private snapshots: Promise<unknown> = Promise.resolve();

  private samples(): Promise<Float32Array> {
    const tap = this.tap;
    if (!tap) return Promise.resolve(new Float32Array(0));
    const next = this.snapshots.catch(() => undefined).then(async () => {
      const node = await tap;
      return new Promise<Float32Array>((resolve) => {
        node.port.onmessage = (e: MessageEvent<Float32Array>) => resolve(e.data);
        node.port.postMessage('snapshot');
      });
    });
    this.snapshots = next;
    return next;
  }

  private node(): Promise<AudioWorkletNode> {
    if (this.tap) return this.tap;
    const ctx = new AudioContext();
    this.ctx = ctx;
    this.tap = (async () => {
      const url = URL.createObjectURL(new Blob([TAP_SOURCE], { type: 'text/javascript' }));
      try {
        await ctx.audioWorklet.addModule(url);
      } finally {
        URL.revokeObjectURL(url);
      }
      const factor = Math.max(1, Math.round(ctx.sampleRate / RATE));
      const node = new AudioWorkletNode(ctx, 'beacon-recall-tap', {
        numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1, channelCountMode: 'explicit', channelInterpretation: 'speakers',
        processorOptions: { size: Math.ceil(this.seconds * RATE), factor },
      });
      // Pulled by the destination so it runs; it writes nothing, so nothing is heard twice.
      node.connect(ctx.destination);
      // Answer and A were clicks and keys: the page may start audio, but a context made later can start suspended.
      await ctx.resume().catch(() => undefined);
      return node;
    })();
    return this.tap;
  }
}

/** Mono 16-bit PCM WAV (format tag 1: what every `<audio>` plays). */
export function wavOf(samples: Float32Array, rate: number): Blob {
  const data = samples.length * 2;
  const buf = new DataView(new ArrayBuffer(44 + data));
  const text = (at: number, s: string) => { for (let i = 0; i < s.length; i++) buf.setUint8(at + i, s.charCodeAt(i)); };
  text(0, 'RIFF');
  buf.setUint32(4, 36 + data, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  buf.setUint32(16, 16, true);
  buf.setUint16(20, 1, true);
  buf.setUint16(22, 1, true);
  buf.setUint32(24, rate, true);
  buf.setUint32(28, rate * 2, true);
  buf.setUint16(32, 2, true);
  buf.setUint16(34, 16, true);
  text(36, 'data');
  buf.setUint32(40, data, true);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.max(-1, Math.min(1, samples[i]!));
    buf.setInt16(44 + i * 2, v < 0 ? v * 0x8000 : v * 0x7fff, true);
  }
  return new Blob([buf.buffer], { type: 'audio/wav' });
}
