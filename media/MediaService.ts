/**
 * The media plane of one server node: the worker pool and the rooms on it, by id
 * (`incident:<id>`). Rooms open and close through the command core's outbox; a room asked for
 * by an entitled viewer before its outbox row ran (or on another node) opens on demand. When a
 * worker dies its rooms are rebuilt on a live worker, or on the replacement as soon as it runs,
 * and their peers are told to reconnect. Without a worker binary (or with MEDIA_ENABLED=false)
 * the service is unavailable: the server runs and media requests answer `media_unavailable`.
 */
import type { Logger } from '../server/log';
import type { Actor, ServerFrame } from '../server/protocol';
import { MediaUnavailable, NotAuthorized, NotFound } from '../server/errors';
import { isOpen } from '../state-machines/incident-model';
import { WorkerPool } from './WorkerPool';
import { CALL_MEDIA_CODECS, Room, type MediaListen } from './Room';
import { SignallingSession, type MediaSession } from './SignallingSession';
import { Recorder, type RecorderSettings, type RecordingSink } from './Recorder';

export interface MediaSettings {
  enabled: boolean;
  workers: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  listenIp: string;
  announcedIp?: string;
}

/** An incident as media authorization needs it. */
export interface MediaIncident {
  id: string;
  state: string;
  agencyId: string;
  districtId: string | null;
  units: Record<string, unknown>;
  /** The time-limited grant that lets this actor view it (null or absent: the actor's own right). */
  grantId?: string | null;
}

/**
 * Loads an incident for an actor, throwing NotFound / NotAuthorized: the read model's rules,
 * or an active media access grant.
 */
export type IncidentLoader = (actor: Actor, incidentId: string) => Promise<MediaIncident>;

/** A stream a viewer receives, as the access log records it. */
export interface ViewedStreamRef {
  streamId: string;
  unitId: string | null;
  kind: 'audio' | 'video';
}

/** The access log: every stream a viewer receives is logged (durably) before it flows. */
export interface MediaViewLog {
  watch(actor: Actor, viewerKey: string, incident: MediaIncident, stream: ViewedStreamRef): Promise<void>;
  /** A call room's voice a console receives (listening live to a call), logged like a camera view. */
  watchCall(actor: Actor, viewerKey: string, call: MediaCall, stream: ViewedStreamRef): Promise<void>;
  /** The viewer left the room (socket closed, dismissed, room closed). */
  leave(actor: Actor, viewerKey: string): Promise<void>;
}

/** A call as its media room's authorization and access log need it. */
export interface MediaCall {
  id: string;
  agencyId: string;
  live: boolean;
  agentIds: string[];
  /** The incident the call is linked to: its access log lists the call's listening too. */
  incidentId: string | null;
}

/**
 * Loads a call for an actor who wants to hear it (its agency's call takers and dispatchers),
 * throwing NotFound / NotAuthorized.
 */
export type CallLoader = (actor: Actor, callId: string) => Promise<MediaCall>;

/** What the media plane needs from the command core. */
export interface MediaPorts {
  loadIncident: IncidentLoader;
  /** Call rooms (`call:<id>`); absent: call rooms are refused. */
  loadCall?: CallLoader;
  viewLog: MediaViewLog;
  /** Recording of body cameras and call legs; absent: nothing is recorded. */
  recording?: { settings: RecorderSettings; sink: RecordingSink };
}

/** The media room of an incident. */
export function incidentRoomId(incidentId: string): string {
  return `incident:${incidentId}`;
}

export class MediaService {
  private readonly rooms = new Map<string, Room>();
  private readonly opening = new Map<string, Promise<Room>>();
  private readonly rebuilding = new Set<Room>();
  private readonly listen: MediaListen;
  private closed = false;
  readonly loadIncident: IncidentLoader;
  private readonly loadCall: CallLoader | undefined;
  readonly viewLog: MediaViewLog;
  /** Records body cameras and call legs (null when recording is off or media is unavailable). */
  readonly recorder: Recorder | null;

  private constructor(
    readonly pool: WorkerPool | null,
    /** Why media is off (null when on). */
    readonly unavailableReason: string | null,
    settings: MediaSettings,
    ports: MediaPorts,
    private readonly log: Logger,
  ) {
    this.listen = { ip: settings.listenIp, announcedIp: settings.announcedIp };
    this.loadIncident = ports.loadIncident;
    this.loadCall = ports.loadCall;
    this.viewLog = ports.viewLog;
    this.recorder = pool && ports.recording && Recorder.usable(log) ? new Recorder(ports.recording.settings, ports.recording.sink, log.child({ component: 'recorder' })) : null;
    pool?.on('worker.died', () => void this.rebuildOrphans());
    pool?.on('worker.replaced', () => void this.rebuildOrphans());
  }

  /** Starts the worker pool; never throws for a missing or broken worker (media is then unavailable). */
  static async start(settings: MediaSettings, ports: MediaPorts, log: Logger): Promise<MediaService> {
    const off = (reason: string) => new MediaService(null, reason, settings, ports, log);
    if (!settings.enabled) {
      log.info('media plane disabled (MEDIA_ENABLED=false)');
      return off('media is disabled on this server (MEDIA_ENABLED=false)');
    }
    if (!WorkerPool.binaryPresent()) {
      log.warn({ workerBin: WorkerPool.workerBin }, 'mediasoup worker binary is missing: media is unavailable (run scripts/install-mediasoup.sh)');
      return off('the media worker is not installed on this server');
    }
    if (['0.0.0.0', '::'].includes(settings.listenIp) && !settings.announcedIp) {
      log.warn({ listenIp: settings.listenIp }, 'MEDIA_LISTEN_IP is a wildcard and MEDIA_ANNOUNCED_IP is unset: clients get unusable ICE candidates');
    }
    try {
      const pool = await WorkerPool.start({ size: settings.workers, rtcMinPort: settings.rtcMinPort, rtcMaxPort: settings.rtcMaxPort }, log);
      log.info({ workers: settings.workers, ports: `${settings.rtcMinPort}-${settings.rtcMaxPort}`, listenIp: settings.listenIp }, 'media plane started');
      return new MediaService(pool, null, settings, ports, log);
    } catch (err) {
      log.warn({ err, workerBin: WorkerPool.workerBin }, 'mediasoup workers failed to start: media is unavailable');
      return off('the media worker failed to start on this server');
    }
  }

  get available(): boolean {
    return this.pool !== null && !this.closed;
  }

  room(roomId: string): Room | undefined {
    return this.rooms.get(roomId);
  }

  allRooms(): Room[] {
    return [...this.rooms.values()];
  }

  /** Opens a room (idempotent); null when media is unavailable. */
  async openRoom(roomId: string): Promise<Room | null> {
    if (!this.pool || this.closed) return null;
    const open = this.rooms.get(roomId);
    if (open) return open;
    let pending = this.opening.get(roomId);
    if (!pending) {
      // A call room's router speaks G.711 only: phone and browser meet without transcoding.
      const codecs = roomId.startsWith('call:') ? CALL_MEDIA_CODECS : undefined;
      pending = Room.create(roomId, this.pool.pick(), this.listen, this.log, codecs).then((room) => {
        if (this.closed) room.close();
        else {
          this.rooms.set(roomId, room);
          this.recorder?.watch(room);
        }
        return room;
      }).finally(() => this.opening.delete(roomId));
      this.opening.set(roomId, pending);
    }
    const room = await pending;
    this.log.debug({ roomId, routerId: room.routerId }, 'media room open');
    return room;
  }

  /** Closes a room and every transport in it (idempotent). */
  async closeRoom(roomId: string): Promise<void> {
    await this.opening.get(roomId)?.catch(() => null);
    const room = this.rooms.get(roomId);
    if (!room) return;
    this.rooms.delete(roomId);
    room.close();
    this.log.debug({ roomId }, 'media room closed');
  }

  /**
   * Keeps a room in step with its incident (every node follows the committed events): an ended
   * incident's room closes; a crew released from the incident leaves it, its body camera too.
   */
  async followIncident(incident: MediaIncident): Promise<void> {
    const roomId = incidentRoomId(incident.id);
    if (!isOpen(incident.state)) return this.closeRoom(roomId);
    this.rooms.get(roomId)?.dismiss((actor) => actor.role !== 'field_unit' || (actor.unitId !== null && actor.unitId in incident.units));
  }

  /**
   * Sends away the viewers of a room who may no longer view it (a grant expired or was
   * revoked); each is told `room.closed`.
   */
  async recheckViewers(roomId: string): Promise<number> {
    const room = this.rooms.get(roomId);
    if (!room) return 0;
    const incidentId = roomId.slice('incident:'.length);
    const denied = new Set<string>();
    for (const actor of room.actors()) {
      try {
        await this.loadIncident(actor, incidentId);
      } catch (err) {
        if (err instanceof NotAuthorized) denied.add(actor.id);
      }
    }
    return denied.size ? room.dismiss((actor) => !denied.has(actor.id)) : 0;
  }

  /**
   * The room of `roomId` if `actor` may view its media: the incident must be readable by the
   * actor (canReadIncident) and open. Opens the room when the outbox has not yet done so here.
   */
  async viewableRoom(actor: Actor, roomId: string): Promise<{ room: Room; incident: MediaIncident | null; call: MediaCall | null }> {
    if (roomId.startsWith('call:')) return { ...(await this.callRoom(actor, roomId)), incident: null };
    const incident = await this.incidentOf(actor, roomId);
    if (!isOpen(incident.state)) throw new NotFound(`incident ${incident.id} is ${incident.state}; its media room is closed`);
    const room = this.rooms.get(roomId) ?? (await this.openRoom(roomId));
    if (!room) throw this.unavailable();
    if (room.orphaned) throw new MediaUnavailable(`media room ${roomId} is being rebuilt after a media worker failure; retry shortly`);
    return { room, incident, call: null };
  }

  /** A signalling session for one WebSocket connection (call rooms of other nodes relayed there, see `routeSessions`). */
  session(sessionId: string, actor: Actor, send: (frame: ServerFrame) => void): MediaSession {
    const local = this.localSession(sessionId, actor, send);
    return this.route ? this.route(local, send) : local;
  }

  /** A session served by this node's rooms only. */
  localSession(sessionId: string, actor: Actor, send: (frame: ServerFrame) => void): SignallingSession {
    return new SignallingSession(this, sessionId, actor, send);
  }

  private route: ((local: SignallingSession, send: (frame: ServerFrame) => void) => MediaSession) | null = null;

  /** Sessions made from now on send some requests elsewhere (server/calls/media-relay.ts: call rooms on other nodes). */
  routeSessions(route: (local: SignallingSession, send: (frame: ServerFrame) => void) => MediaSession): void {
    this.route = route;
  }

  /** The error a request gets when media is off here. */
  unavailable(): MediaUnavailable {
    return new MediaUnavailable(`media is unavailable: ${this.unavailableReason ?? 'the media service is stopping'}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.opening.values()]);
    for (const room of this.rooms.values()) room.close();
    this.rooms.clear();
    // Closing the rooms ended the recordings; wait until their files are finished and reported.
    await this.recorder?.close();
    this.pool?.close();
  }

  /**
   * The room of a call the actor is on (has answered, or joined in conference): where their
   * microphone may publish. Listening is `viewableRoom`.
   */
  async speakableCallRoom(actor: Actor, roomId: string): Promise<Room> {
    return (await this.callRoom(actor, roomId, true)).room;
  }

  /** A call's room, for its agency's call takers and dispatchers while the call is live. */
  private async callRoom(actor: Actor, roomId: string, speaking = false): Promise<{ room: Room; call: MediaCall }> {
    const callId = roomId.slice('call:'.length);
    if (!this.loadCall) throw new NotFound(`no call rooms on this server (${roomId})`);
    const call = await this.loadCall(actor, callId);
    if (!call.live) throw new NotFound(`call ${callId} has ended; its media room is closed`);
    if (speaking && !call.agentIds.includes(actor.id)) throw new NotAuthorized(`${actor.username} is not on call ${callId}; only the agent who has it speaks to the caller`);
    const room = this.rooms.get(roomId) ?? (await this.openRoom(roomId));
    if (!room) throw this.unavailable();
    if (room.orphaned) throw new MediaUnavailable(`media room ${roomId} is being rebuilt after a media worker failure; retry shortly`);
    return { room, call };
  }

  private async incidentOf(actor: Actor, roomId: string): Promise<MediaIncident> {
    const incidentId = roomId.slice('incident:'.length);
    try {
      return await this.loadIncident(actor, incidentId);
    } catch (err) {
      if (err instanceof NotAuthorized) {
        throw new NotAuthorized(`${actor.username} (${actor.role}) may not view the media of incident ${incidentId}: it is outside their agency, jurisdiction or assignment`);
      }
      throw err;
    }
  }

  /** Moves rooms that lost their router to the least-loaded live worker. */
  private async rebuildOrphans(): Promise<void> {
    if (!this.pool || this.closed) return;
    for (const room of this.rooms.values()) {
      if (!room.orphaned || this.rebuilding.has(room)) continue;
      let worker;
      try {
        worker = this.pool.pick();
      } catch {
        return; // No live worker: the replacement's `worker.replaced` comes back here.
      }
      this.rebuilding.add(room);
      await room.rebuild(worker)
        .catch((err) => {
          this.log.error({ err, roomId: room.id }, 'media room rebuild failed; retrying in 1 s');
          setTimeout(() => void this.rebuildOrphans(), 1000).unref();
        })
        .finally(() => this.rebuilding.delete(room));
    }
  }
}
