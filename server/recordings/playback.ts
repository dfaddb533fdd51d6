/**
 * Playback of recordings. A viewer asks for a playback (`POST …/recordings/<id>/playback`):
 * the right to view is checked (the incident's own readers, or an active grant), the viewing
 * is written to the access log, and the answer is a short-lived signed URL a `<video>`
 * element can load (it cannot send an Authorization header). The file is served with byte
 * ranges, so the player can seek.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Actor } from '../protocol';
import { BeaconError, NotAuthenticated, NotFound, ValidationError } from '../errors';
import type { Clock } from '../clock';
import { SYSTEM_ACTOR } from '../auth/users';
import type { ReadModel } from '../read/queries';
import type { MediaAccess } from '../media-access/access';
import type { IncidentRecording } from '../../state-machines/incident-model';

/** How long a playback URL stays valid. */
export const PLAYBACK_TTL_SEC = 15 * 60;

export interface PlaybackGrant {
  url: string;
  expiresAt: string;
  viewId: string;
  recording: IncidentRecording;
}

export class RecordingPlayback {
  constructor(
    private readonly dir: string,
    private readonly secret: string,
    private readonly access: MediaAccess,
    private readonly read: ReadModel,
    private readonly clock: Clock,
  ) {}

  /** The incident's recordings, for a viewer entitled to its media. */
  async list(actor: Actor, incidentId: string): Promise<{ incidentId: string; recordings: IncidentRecording[] }> {
    const { incident } = await this.access.viewableIncident(actor, incidentId);
    return { incidentId, recordings: incident.recordings ?? [] };
  }

  /** Logs the viewing, then hands out a signed URL for the file. */
  async grant(actor: Actor, incidentId: string, recordingId: string): Promise<PlaybackGrant> {
    const viewable = await this.access.viewableIncident(actor, incidentId);
    const recording = (viewable.incident.recordings ?? []).find((r) => r.id === recordingId);
    if (!recording) throw new NotFound(`incident ${incidentId} has no recording ${recordingId}`);
    if (recording.state !== 'stored') throw new NotFound(`recording ${recordingId} is ${recording.state}, not stored; nothing to play yet`);
    if (!existsSync(join(this.dir, recording.file))) throw new NotFound(`the file of recording ${recordingId} is not on this server (${recording.file})`);
    const viewId = await this.access.playback(actor, viewable, recordingId, recording.unitId);
    const exp = Math.floor(this.clock.now().getTime() / 1000) + PLAYBACK_TTL_SEC;
    const query = new URLSearchParams({ incident: incidentId, viewer: actor.id, exp: String(exp) });
    query.set('sig', this.sign(recordingId, query));
    return { url: `/api/v1/recordings/${encodeURIComponent(recordingId)}/file?${query}`, expiresAt: new Date(exp * 1000).toISOString(), viewId, recording };
  }

  /** Serves the file of a signed playback URL (with `Range` support). */
  async serve(req: IncomingMessage, res: ServerResponse, recordingId: string, query: URLSearchParams): Promise<void> {
    const sig = query.get('sig') ?? '';
    const expected = Buffer.from(this.sign(recordingId, query));
    if (sig.length !== expected.length || !timingSafeEqual(Buffer.from(sig), expected)) throw new NotAuthenticated('invalid playback signature');
    if (Number(query.get('exp')) * 1000 < this.clock.now().getTime()) throw new NotAuthenticated('playback URL expired; ask for a new playback');
    const incident = await this.read.incident(SYSTEM_ACTOR, query.get('incident') ?? '');
    const recording = (incident.recordings ?? []).find((r) => r.id === recordingId && r.state === 'stored');
    if (!recording) throw new NotFound(`no stored recording ${recordingId}`);
    const path = join(this.dir, recording.file);
    if (!existsSync(path)) throw new NotFound(`the file of recording ${recordingId} is not on this server`);
    const size = statSync(path).size;
    const range = parseRange(req.headers.range, size);
    const headers = {
      'content-type': recording.mimeType, 'accept-ranges': 'bytes', 'cache-control': 'private, no-store',
      'x-content-sha256': recording.sha256 ?? '',
    };
    if (range) {
      res.writeHead(206, { ...headers, 'content-range': `bytes ${range.start}-${range.end}/${size}`, 'content-length': range.end - range.start + 1 });
      if (req.method === 'HEAD') return void res.end();
      createReadStream(path, range).pipe(res);
    } else {
      res.writeHead(200, { ...headers, 'content-length': size });
      if (req.method === 'HEAD') return void res.end();
      createReadStream(path).pipe(res);
    }
  }

  private sign(recordingId: string, query: URLSearchParams): string {
    const body = [recordingId, query.get('incident'), query.get('viewer'), query.get('exp')].join('\n');
    return createHmac('sha256', this.secret).update(`playback\n${body}`).digest('base64url');
  }
}

/** One `bytes=a-b` range (the only kind media players send); null for none. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) throw new ValidationError(`unsupported Range header ${header.slice(0, 60)}`);
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) throw new RangeNotSatisfiable(`range ${header.slice(0, 60)} is outside the file (${size} bytes)`);
  return { start, end };
}

class RangeNotSatisfiable extends BeaconError {
  readonly code = 'range_not_satisfiable';
  readonly status = 416;
}
