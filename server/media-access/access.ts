/**
 * Who may view an incident's media, and the log of who did. Viewing needs the incident to be
 * readable by the actor (role, agency, jurisdiction, assignment) or an active grant for the
 * actor. Every viewing is written to the audit chain before the viewer gets the stream: a
 * live viewing is one `media_view` aggregate per viewer and room (each camera stream a
 * `media.view.stream` event, `media.view.ended` when the viewer leaves), a playback one
 * aggregate started and ended at once. Calls are logged the same way: listening live in a
 * call room and playing a call's leg recordings (the view names the call, and the incident
 * it is linked to, so that incident's log lists it too).
 */
import { randomBytes } from 'node:crypto';
import type { Actor } from '../protocol';
import { NotAuthorized } from '../errors';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { Sql } from '../store/db';
import { SYSTEM_ACTOR } from '../auth/users';
import { assertCanCommandIncident } from '../auth/authorize';
import type { CommandPipeline, Step } from '../commands/pipeline';
import type { ReadModel } from '../read/queries';
import type { IncidentView } from '../incidents/kind';
import { activeGrantFor, type MediaAccessContext, type MediaGrant } from '../../state-machines/media-access';
import type { MediaViewInput, ViewedStream } from '../../state-machines/media-view';
import type { MediaViewView } from './kind';
import type { CallView } from '../calls/kind';
import { hearableCall, recentlyEndedCalls } from '../calls/media-access';
import type { MediaCall } from '../../media/MediaService';

/** An incident as a media viewer may see it, and the grant that allows it (null: own right). */
export interface ViewableIncident {
  incident: IncidentView;
  grantId: string | null;
}

export type StreamRef = Omit<ViewedStream, 'at'>;

/** What the access log needs of the incident a viewing is of. */
export interface ViewedIncident {
  incident: Pick<IncidentView, 'id' | 'agencyId' | 'districtId'>;
  grantId: string | null;
}

/** What the access log needs of a call whose audio is heard (live or recorded). */
export type ViewedCall = { call: Pick<MediaCall, 'id' | 'agencyId' | 'incidentId'> };

/** What a viewing is of: an incident's media, or a call's audio. */
export type ViewedSubject = ViewedIncident | ViewedCall;

/** What the access audit of one incident shows a supervisor or auditor. */
export interface MediaAccessReport {
  incidentId: string;
  grants: MediaGrant[];
  views: MediaViewView[];
}

/** An incident shared with a grantee. */
export interface SharedIncident {
  incidentId: string;
  incidentType: string;
  priority: number;
  address: string | null;
  state: string;
  agencyId: string;
  grant: Pick<MediaGrant, 'id' | 'expiresAt' | 'grantedBy' | 'reason'>;
}

const newId = (prefix: string) => `${prefix}-${randomBytes(8).toString('hex')}`;

export class MediaAccess {
  /** Open live viewings of this node: viewer key → view id, and the write queue per view. */
  private readonly liveViews = new Map<string, { viewId: Promise<string>; tail: Promise<unknown> }>();

  constructor(
    private readonly sql: Sql,
    private readonly pipeline: CommandPipeline,
    private readonly read: ReadModel,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** The incident, if `actor` may view its media now; throws NotFound / NotAuthorized. */
  async viewableIncident(actor: Actor, incidentId: string): Promise<ViewableIncident> {
    try {
      return { incident: await this.read.incident(actor, incidentId), grantId: null };
    } catch (err) {
      if (!(err instanceof NotAuthorized)) throw err;
      const grant = await this.activeGrant(actor, incidentId);
      if (!grant) throw err;
      return { incident: await this.read.incident(SYSTEM_ACTOR, incidentId), grantId: grant.id };
    }
  }

  /** The grant that lets `actor` view the incident's media now, if any. */
  async activeGrant(actor: Actor, incidentId: string): Promise<MediaGrant | null> {
    const access = await this.pipeline.load('media_access', incidentId);
    return access ? activeGrantFor(access.view as unknown as MediaAccessContext, actor.id, this.clock.now().toISOString()) : null;
  }

  /**
   * Logs that the viewer `key` (one signalling session in one room) receives one more stream;
   * resolves once the log entry is durable. Writes of one viewer are queued, in order.
   */
  async watch(actor: Actor, key: string, viewable: ViewedSubject, stream: StreamRef): Promise<void> {
    const open = this.liveViews.get(key);
    if (!open) {
      const viewId = this.startView(actor, viewable, 'live', stream, false);
      this.liveViews.set(key, { viewId, tail: viewId });
      viewId.catch(() => this.liveViews.delete(key));
      await viewId;
      return;
    }
    const write = open.tail.catch(() => undefined).then(async () => {
      const viewId = await open.viewId;
      await this.pipeline.execute(actor, newId('view'), 'media.view.stream', async () => ({
        steps: [{ type: 'media_view', id: viewId, event: { type: 'WATCH', stream } }],
      }));
    });
    open.tail = write;
    await write;
  }

  /** Ends the live viewing of `key` (the viewer left the room); never throws. */
  async leave(actor: Actor, key: string): Promise<void> {
    const open = this.liveViews.get(key);
    if (!open) return;
    this.liveViews.delete(key);
    try {
      await open.tail.catch(() => undefined);
      const viewId = await open.viewId;
      await this.pipeline.execute(actor, newId('view'), 'media.view.end', async () => ({
        steps: [{ type: 'media_view', id: viewId, event: { type: 'END' } }],
      }));
    } catch (err) {
      this.log.warn({ err, viewer: actor.username }, 'could not log the end of a media viewing');
    }
  }

  /** Logs one playback of a recording (started and ended in one entry); resolves when durable. */
  async playback(actor: Actor, viewable: ViewedSubject, recordingId: string, unitId: string | null): Promise<string> {
    return this.startView(actor, viewable, 'recording', { streamId: recordingId, unitId, kind: 'recording' }, true);
  }

  /** A call, live or ended, if `actor` may hear its recordings (its agency's call takers, dispatchers, supervisors; auditors). */
  async hearableCall(actor: Actor, callId: string): Promise<CallView> {
    return hearableCall(this.pipeline, actor, callId);
  }

  /** The agency's most recently ended calls, for one who may hear them. */
  async recentCalls(actor: Actor, agencyId: string, limit: number): Promise<CallView[]> {
    return recentlyEndedCalls(this.sql, this.pipeline, actor, agencyId, limit);
  }

  /** Who listened to a call live or played its recordings: for its agency's supervisors, and auditors. */
  async callReport(actor: Actor, callId: string): Promise<{ callId: string; views: MediaViewView[] }> {
    const call = await this.hearableCall(actor, callId);
    if (actor.role !== 'auditor' && actor.role !== 'supervisor') throw new NotAuthorized(`${actor.username} may not read the access log of call ${call.id}: supervisors and auditors do`);
    const rows = await this.sql<{ id: string; version: number; snapshot: unknown }[]>`
      SELECT id, version, snapshot FROM aggregates
      WHERE type = 'media_view' AND refs @> ARRAY[${`call:${callId}`}::text]`;
    return { callId, views: this.viewsOf(rows) };
  }

  /**
   * Incidents whose media `actor` may view now on a grant (a grantee's "shared with me"), with
   * what a grantee needs to find them: type, priority, address, state, and the grant.
   */
  async sharedWith(actor: Actor): Promise<SharedIncident[]> {
    // One query: the grants and the incident beside them (grants are plain data in the snapshot).
    const rows = await this.sql<{ id: string; grants: MediaGrant[]; incident: IncidentView; state: string }[]>`
      SELECT a.snapshot->'context'->'grants' AS grants, i.snapshot->'context' AS incident, i.state, i.id
      FROM aggregates a JOIN aggregates i ON i.type = 'incident' AND i.id = a.id
      WHERE a.type = 'media_access'
        AND a.snapshot->'context'->'grants' @> ${this.sql.json([{ granteeId: actor.id, state: 'active' }] as never)}::jsonb`;
    const now = this.clock.now().toISOString();
    const shared: SharedIncident[] = [];
    for (const row of rows) {
      const grant = activeGrantFor({ grants: row.grants }, actor.id, now);
      if (!grant) continue;
      const i = row.incident;
      shared.push({
        incidentId: row.id, incidentType: i.incidentType, priority: i.priority, address: i.address, state: row.state, agencyId: i.agencyId,
        grant: { id: grant.id, expiresAt: grant.expiresAt, grantedBy: grant.grantedBy, reason: grant.reason },
      });
    }
    return shared.sort((a, b) => a.grant.expiresAt.localeCompare(b.grant.expiresAt));
  }

  /** The grants and viewings of an incident's media: for its dispatchers, supervisors and auditors. */
  async report(actor: Actor, incidentId: string): Promise<MediaAccessReport> {
    const incident = await this.read.incident(SYSTEM_ACTOR, incidentId);
    if (actor.role !== 'auditor') {
      try {
        assertCanCommandIncident(actor, 'media.access.grant', incident);
      } catch {
        throw new NotAuthorized(`${actor.username} may not read the media access log of incident ${incidentId}`);
      }
    }
    const access = await this.pipeline.load('media_access', incidentId);
    const rows = await this.sql<{ id: string; version: number; snapshot: unknown }[]>`
      SELECT id, version, snapshot FROM aggregates
      WHERE type = 'media_view' AND refs @> ARRAY[${`incident:${incidentId}`}::text]`;
    return { incidentId, grants: (access?.view as unknown as MediaAccessContext | undefined)?.grants ?? [], views: this.viewsOf(rows) };
  }

  private viewsOf(rows: { id: string; version: number; snapshot: unknown }[]): MediaViewView[] {
    const kind = this.pipeline.kind('media_view');
    return rows
      .map((r) => kind.view(r.id, this.pipeline.restore('media_view', r.snapshot), r.version) as unknown as MediaViewView)
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  private async startView(actor: Actor, subject: ViewedSubject, mode: 'live' | 'recording', first: StreamRef, endAtOnce: boolean): Promise<string> {
    const viewId = newId('V');
    const viewer = { mode, viewerId: actor.id, viewerUsername: actor.username, viewerRole: actor.role, first };
    // A call's viewing carries `callId` beside the machine's fields (its context keeps what its
    // input has); `incidentId` is the call's incident, or '' when it has none yet.
    const input: Omit<MediaViewInput, 'at'> & { callId?: string } = 'call' in subject
      ? { ...viewer, incidentId: subject.call.incidentId ?? '', callId: subject.call.id, agencyId: subject.call.agencyId, districtId: null, grantId: null }
      : { ...viewer, incidentId: subject.incident.id, agencyId: subject.incident.agencyId, districtId: subject.incident.districtId, grantId: subject.grantId };
    const steps: Step[] = [{ type: 'media_view', id: viewId, create: input as unknown as Record<string, unknown> }];
    if (endAtOnce) steps.push({ type: 'media_view', id: viewId, event: { type: 'END' } });
    await this.pipeline.execute(actor, newId('view'), 'media.view.start', async () => ({ steps, createdId: viewId }));
    return viewId;
  }
}
