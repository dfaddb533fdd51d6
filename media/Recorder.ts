/**
 * Records the rooms it watches: every body camera of an incident room (a camera's producers,
 * video and audio produced a moment apart, are gathered for a short window into one file; a
 * producer that turns up later gets a recording of its own), and every voice of a call room
 * (the caller's phone leg, each dispatcher's microphone, each consulted or conferenced phone
 * party: one file per leg, started at once). Each recording is announced to the command core
 * before ffmpeg starts (`started`) and its file's SHA-256 after it ends (`stored`), so both land
 * in the audit chain of the aggregate that owns it (the incident, or the call); a recording
 * that produced no usable file is reported `failed`.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../server/log';
import type { MediaProducerInfo } from '../server/protocol';
import { Recording, containerFor } from './Recording';
import { FFMPEG, FFPROBE, SETPRIV, type RecordedFile } from './recording-files';
import { existsSync } from 'node:fs';
import type { Room } from './Room';
import { RtpPortPool } from './udp-ports';

/** The aggregate whose audit chain holds a recording: an incident (body cameras) or a call (its legs). */
export interface RecordingOwner {
  type: 'incident' | 'call';
  id: string;
}

/** A recording as the command core is told of it at its start. */
export interface RecordingStart {
  recordingId: string;
  owner: RecordingOwner;
  unitId: string | null;
  /** Which stream: `bodycam`; a call's `caller`, `agent:<username>`, `party:<number>`. */
  source: string;
  /** Relative to the recordings directory. */
  file: string;
  mimeType: string;
}

/** Where recordings are reported: the command core, through the pipeline. */
export interface RecordingSink {
  started(rec: RecordingStart): Promise<void>;
  stored(rec: RecordingStart, file: RecordedFile): Promise<void>;
  failed(rec: RecordingStart, reason: string, endedAt: string): Promise<void>;
}

export interface RecorderSettings {
  dir: string;
  ip: string;
  minPort: number;
  maxPort: number;
}

/** How long a camera's second producer (audio after video) may lag behind its first. */
const GATHER_MS = 400;

/** What the recorder makes of one producer of a room: which recording it goes into. */
export interface RecordedStream {
  owner: RecordingOwner;
  source: string;
  unitId: string | null;
  /** Producers with the same key within `gatherMs` share a file. */
  gatherKey: string;
  gatherMs: number;
  /** The folder of its file within the recordings directory. */
  folder: string;
}

/**
 * Which producers are recorded, as what. Incident rooms: body cameras. Call rooms: audio
 * from a phone leg (`source: 'phone'`; the caller has no `party`, a consulted or conferenced
 * party has its number) or a dispatcher's microphone (`agent:<username>`, the username the
 * server put on the producer). Anything else is not a voice of the call and is not recorded:
 * a conference mix (`source: 'mix'`) is made of the legs already recorded.
 */
export function recordedStream(roomId: string, info: MediaProducerInfo, appData: Record<string, unknown>): RecordedStream | null {
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  if (roomId.startsWith('incident:')) {
    if (info.source !== 'bodycam') return null;
    const id = roomId.slice('incident:'.length);
    return {
      owner: { type: 'incident', id }, source: info.source, unitId: info.unitId, folder: id, gatherMs: GATHER_MS,
      gatherKey: `${roomId}\n${info.unitId ?? ''}\n${String(appData.peerId ?? '')}`,
    };
  }
  if (roomId.startsWith('call:') && info.kind === 'audio') {
    const id = roomId.slice('call:'.length);
    let source: string;
    if (info.source === 'phone') source = text(appData.party) ? `party:${text(appData.party)}` : 'caller';
    else if (info.source === 'dispatcher') source = text(appData.username) ? `agent:${text(appData.username)}` : 'agent';
    else return null;
    return { owner: { type: 'call', id }, source, unitId: null, folder: join('calls', id), gatherMs: 0, gatherKey: info.producerId };
  }
  return null;
}

interface Gathering {
  room: Room;
  stream: RecordedStream;
  producers: ms.Producer[];
}

export class Recorder {
  private readonly ports: RtpPortPool;
  private readonly gathering = new Map<string, Gathering>();
  private readonly active = new Map<string, Recording>();
  private readonly finishing = new Set<Promise<unknown>>();
  private closed = false;
  /** Counts by outcome, for metrics. */
  readonly totals = { started: 0, stored: 0, failed: 0 };

  constructor(private readonly settings: RecorderSettings, private readonly sink: RecordingSink, private readonly log: Logger) {
    this.ports = new RtpPortPool(settings.ip, settings.minPort, settings.maxPort);
  }

  /** Whether ffmpeg and ffprobe are installed; logs why not. */
  static usable(log: Logger): boolean {
    const missing = [FFMPEG, FFPROBE, SETPRIV].filter((bin) => !existsSync(bin));
    if (missing.length) log.warn({ missing }, 'body cameras and calls are not recorded: install ffmpeg (scripts/install.sh) or set MEDIA_RECORDING=false');
    return missing.length === 0;
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** Records the body cameras or call legs of `room` from now on (the room's own events outlive a rebuild). */
  watch(room: Room): void {
    room.on('producer.added', (info) => this.producerAdded(room, info));
  }

  /** Stops every recording and waits until their files are finished and reported. */
  async close(): Promise<void> {
    this.closed = true;
    for (const recording of this.active.values()) recording.stop();
    await Promise.allSettled([...this.finishing]);
  }

  private producerAdded(room: Room, info: MediaProducerInfo): void {
    if (this.closed) return;
    const producer = room.producer(info.producerId);
    const stream = producer && recordedStream(room.id, info, producer.appData);
    if (!producer || !stream) return;
    const open = this.gathering.get(stream.gatherKey);
    if (open) {
      open.producers.push(producer);
      return;
    }
    const gathering: Gathering = { room, stream, producers: [producer] };
    const begin = () => {
      this.gathering.delete(stream.gatherKey);
      this.begin(gathering).catch((err) => this.log.error({ err, roomId: room.id }, 'recording failed to start'));
    };
    // A call leg starts at once: its first words matter, and nothing joins it.
    if (stream.gatherMs === 0) return begin();
    this.gathering.set(stream.gatherKey, gathering);
    setTimeout(begin, stream.gatherMs).unref();
  }

  private async begin({ room, stream, producers }: Gathering): Promise<void> {
    const live = producers.filter((p) => !p.closed);
    if (live.length === 0 || this.closed || room.closed) return;
    const recordingId = `REC-${randomBytes(6).toString('hex').toUpperCase()}`;
    const { mimeType, extension } = containerFor(live);
    const rec: RecordingStart = {
      recordingId, owner: stream.owner, unitId: stream.unitId, source: stream.source, file: join(stream.folder, `${recordingId}.${extension}`), mimeType,
    };
    // Durable before the first byte is written: an unannounced file could not be audited.
    await this.sink.started(rec);
    this.totals.started++;
    let started;
    try {
      started = await Recording.start(recordingId, room, live, join(this.settings.dir, rec.file), this.ports, this.log);
    } catch (err) {
      await this.report(rec, Promise.reject(err));
      return;
    }
    this.active.set(recordingId, started.recording);
    this.log.info({ recordingId, owner: `${rec.owner.type}:${rec.owner.id}`, source: rec.source, streams: live.map((p) => p.kind) }, 'recording started');
    void this.report(rec, started.finished);
  }

  private async report(rec: RecordingStart, finished: Promise<RecordedFile>): Promise<void> {
    const done = (async () => {
      try {
        const file = await finished;
        await this.sink.stored(rec, file);
        this.totals.stored++;
        this.log.info({ recordingId: rec.recordingId, durationMs: file.durationMs, bytes: file.bytes, sha256: file.sha256 }, 'recording stored');
      } catch (err) {
        this.totals.failed++;
        const reason = err instanceof Error ? err.message : String(err);
        this.log.error({ err, recordingId: rec.recordingId }, 'recording failed');
        await this.sink.failed(rec, reason.slice(0, 500), new Date().toISOString()).catch((e) => this.log.error({ err: e }, 'could not report a failed recording'));
      } finally {
        this.active.delete(rec.recordingId);
      }
    })();
    this.finishing.add(done);
    await done;
    this.finishing.delete(done);
  }
}
