/**
 * Playback of recordings: an incident's body cameras and a call's legs. A viewer asks for a
 * playback (`POST /api/v1/incidents/<id>/recordings/<rec>/playback`, or `/api/v1/calls/…`): the
 * right to view is checked (the incident's own readers or an active grant; for a call, its
 * agency's call takers, dispatchers and supervisors, and auditors), the viewing is written to
 * the access log, and the answer is a short-lived signed URL a `<video>` or `<audio>` element
 * can load (it cannot send an Authorization header). The file is served with byte ranges, so
 * the player can seek.
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
import type { MediaRecording } from '../../state-machines/recordings';
import type { CallView } from '../calls/kind';

/** Recently ended calls listed with their recordings (the console's recent calls). */
export const RECENT_CALLS = 20;

/** A call as the recent-calls list shows it. */
export interface RecordedCall {
  callId: string;
  callerNumber: string;
  line: string;
  agentUsername: string | null;
  answeredAt: string | null;
  endedAt: string | null;
  incidentId: string | null;
  recordings: MediaRecording[];
}

/** How long a playback URL stays valid. */
export const PLAYBACK_TTL_SEC = 15 * 60;

export interface PlaybackGrant {
  url: string;
  expiresAt: string;
  viewId: string;
  recording: MediaRecording;
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

  /** A call's leg recordings, for one who may hear them. */
  async listCall(actor: Actor, callId: string): Promise<{ callId: string; recordings: MediaRecording[] }> {
    const call = await this.access.hearableCall(actor, callId);
    return { callId, recordings: call.recordings ?? [] };
  }

  /** The agency's recently ended calls with their leg recordings, newest first. */
  async recentCalls(actor: Actor, agencyId: string): Promise<{ agencyId: string; calls: RecordedCall[] }> {
    const calls = await this.access.recentCalls(actor, agencyId, RECENT_CALLS);
    return { agencyId, calls: calls.map(recordedCall) };
  }

  /** Logs the viewing, then hands out a signed URL for the file. */
  async grant(actor: Actor, incidentId: string, recordingId: string): Promise<PlaybackGrant> {
    const viewable = await this.access.viewableIncident(actor, incidentId);
    const recording = this.playable(viewable.incident.recordings, `incident ${incidentId}`, recordingId);
    const viewId = await this.access.playback(actor, viewable, recordingId, recording.unitId);
    return this.signed(actor, recording, viewId, { incident: incidentId });
  }

  /** The same for a call's leg: logged as a playback of the call's audio. */
  async grantCall(actor: Actor, callId: string, recordingId: string): Promise<PlaybackGrant> {
    const call = await this.access.hearableCall(actor, callId);
    const recording = this.playable(call.recordings, `call ${callId}`, recordingId);
    const viewId = await this.access.playback(actor, { call }, recordingId, null);
    return this.signed(actor, recording, viewId, { call: callId });
  }

  private playable(list: MediaRecording[] | undefined, owner: string, recordingId: string): MediaRecording {
    const recording = (list ?? []).find((r) => r.id === recordingId);
    if (!recording) throw new NotFound(`${owner} has no recording ${recordingId}`);
    if (recording.state !== 'stored') throw new NotFound(`recording ${recordingId} is ${recording.state}, not stored; nothing to play yet`);
    if (!existsSync(join(this.dir, recording.file))) throw new NotFound(`the file of recording ${recordingId} is not on this server (${recording.file})`);
    return recording;
  }

  private signed(actor: Actor, recording: MediaRecording, viewId: string, owner: { incident: string } | { call: string }): PlaybackGrant {
    const exp = Math.floor(this.clock.now().getTime() / 1000) + PLAYBACK_TTL_SEC;
    const query = new URLSearchParams({ ...owner, viewer: actor.id, exp: String(exp) });
    query.set('sig', this.sign(recording.id, query));
    return { url: `/api/v1/recordings/${encodeURIComponent(recording.id)}/file?${query}`, expiresAt: new Date(exp * 1000).toISOString(), viewId, recording };
  }

  /** Serves the file of a signed playback URL (with `Range` support). */
  async serve(req: IncomingMessage, res: ServerResponse, recordingId: string, query: URLSearchParams): Promise<void> {
    const sig = query.get('sig') ?? '';
    const expected = Buffer.from(this.sign(recordingId, query));
    if (sig.length !== expected.length || !timingSafeEqual(Buffer.from(sig), expected)) throw new NotAuthenticated('invalid playback signature');
    if (Number(query.get('exp')) * 1000 < this.clock.now().getTime()) throw new NotAuthenticated('playback URL expired; ask for a new playback');
    const callId = query.get('call');
    const list: MediaRecording[] | undefined = callId !== null
      ? (await this.access.hearableCall(SYSTEM_ACTOR, callId)).recordings
      : (await this.read.incident(SYSTEM_ACTOR, query.get('incident') ?? '')).recordings;
    const recording = (list ?? []).find((r) => r.id === recordingId && r.state === 'stored');
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
    // The owner is signed: a call's URL names it `call:<id>` (no incident id has that form).
    const owner = query.has('call') ? `call:${query.get('call')}` : query.get('incident');
    const body = [recordingId, owner, query.get('viewer'), query.get('exp')].join('\n');
    return createHmac('sha256', this.secret).update(`playback\n${body}`).digest('base64url');
  }
}

function recordedCall(c: CallView): RecordedCall {
  return {
    callId: c.id, callerNumber: c.callerNumber, line: c.line, agentUsername: c.agent?.username ?? null,
    answeredAt: c.answeredAt, endedAt: c.endedAt, incidentId: c.incidentId, recordings: c.recordings ?? [],
  };
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
