/**
 * Records every body camera of the rooms it watches. A camera's producers (video and audio,
 * produced a moment apart) are gathered for a short window and recorded into one file; a
 * producer that turns up later gets a recording of its own. Each recording is announced to
 * the command core before ffmpeg starts (`started`) and its file's SHA-256 after it ends
 * (`stored`), so both land in the incident's audit chain; a recording that produced no
 * usable file is reported `failed`.
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

/** A recording as the command core is told of it at its start. */
export interface RecordingStart {
  recordingId: string;
  incidentId: string;
  unitId: string | null;
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

interface Gathering {
  room: Room;
  unitId: string | null;
  source: string;
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
    if (missing.length) log.warn({ missing }, 'body cameras are not recorded: install ffmpeg (scripts/install.sh) or set MEDIA_RECORDING=false');
    return missing.length === 0;
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** Records the body cameras of `room` from now on (call again after the room is rebuilt). */
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
    if (this.closed || info.source !== 'bodycam') return;
    const producer = room.producer(info.producerId);
    if (!producer) return;
    const key = `${room.id}\n${info.unitId ?? ''}\n${String(producer.appData.peerId ?? '')}`;
    const open = this.gathering.get(key);
    if (open) {
      open.producers.push(producer);
      return;
    }
    this.gathering.set(key, { room, unitId: info.unitId, source: info.source, producers: [producer] });
    setTimeout(() => {
      const gathered = this.gathering.get(key);
      this.gathering.delete(key);
      if (gathered) this.begin(gathered).catch((err) => this.log.error({ err, roomId: room.id }, 'recording failed to start'));
    }, GATHER_MS).unref();
  }

  private async begin({ room, unitId, source, producers }: Gathering): Promise<void> {
    const live = producers.filter((p) => !p.closed);
    if (live.length === 0 || this.closed || room.closed) return;
    const recordingId = `REC-${randomBytes(6).toString('hex').toUpperCase()}`;
    const incidentId = room.id.replace(/^incident:/, '');
    const { mimeType, extension } = containerFor(live);
    const rec: RecordingStart = { recordingId, incidentId, unitId, source, file: join(incidentId, `${recordingId}.${extension}`), mimeType };
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
    this.log.info({ recordingId, incidentId, unitId, streams: live.map((p) => p.kind) }, 'recording started');
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
