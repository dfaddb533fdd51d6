/**
 * Media signalling for a call room that lives on another server node. A call's media room is
 * on the node holding its SIP leg (the phone's PlainTransport is there), but a call taker's
 * console may be connected to any node. The console's node relays the media requests of such a
 * room over the bus (`media` channel) to the holder, which runs them in a session of its own
 * for that console (same actor, same checks, same access log) and sends back the answers and
 * the room's events. The WebRTC transports are the holder's: the browser's media goes straight
 * to the holder's mediasoup (its announced address), only the signalling takes the extra hop.
 *
 *   console ──ws──▶ node A ── media.relay.request ──▶ node B (holds the leg): SignallingSession
 *           ◀──ws── node A ◀── accepted / response / frame ──┘
 *   browser ◀════════ WebRTC (ICE, DTLS, SRTP) ════════▶ node B's mediasoup ◀══ RTP ══▶ phone
 *
 * Which node holds a room is asked the first time (`to` null: the node holding the call's leg
 * accepts) and remembered per console session. A room no node claims within `ackMs` is refused
 * as unavailable (the console retries): an empty room here would look live and carry nothing.
 * Requests on a transport, producer or
 * consumer go where that object was made. Why the bus rather than pipe transports between the
 * nodes' routers: nothing of the media path doubles, and the leg's node already is the one
 * that knows its room (leg-routing.ts asks the same way).
 */
import { randomUUID } from 'node:crypto';
import type { Bus } from '../bus/bus';
import type { Logger } from '../log';
import type { Actor, BusMessage, MediaRequest, ServerFrame } from '../protocol';
import { BeaconError, MediaUnavailable, describeError } from '../errors';
import type { MediaService } from '../../media/MediaService';
import type { MediaSession, SignallingSession } from '../../media/SignallingSession';

export interface MediaRelayDeps {
  bus: Bus;
  nodeId: string;
  media: MediaService;
  /** Whether this node holds the call's SIP leg now. */
  holds: (callId: string) => boolean;
  log: Logger;
  /** How long to wait for the holder to take a request, ms. Default 750. */
  ackMs?: number;
  /** How long a taken request may run on the holder, ms. Default 15000. */
  answerMs?: number;
}

/** What the relay did, for tests and metrics. */
export interface MediaRelayCounters {
  /** Requests this node sent to the node holding their room. */
  relayed: number;
  /** Relayed requests this node ran for consoles connected elsewhere. */
  hosted: number;
  /** Room events sent to consoles connected to another node. */
  framesOut: number;
  /** Rooms asked about that no node claimed (refused, or served here when the leg came up here meanwhile). */
  unclaimed: number;
}

/** The error a relayed request failed with on the holder, as the console should see it. */
class RelayedError extends BeaconError {
  constructor(readonly code: string, readonly status: number, message: string) {
    super(message);
  }
}

/** The node a request was sent to did not take it within `ackMs`. */
class NodeSilent extends MediaUnavailable {}

type Response = Extract<BusMessage, { type: 'media.relay.response' }>;
type Request = Extract<BusMessage, { type: 'media.relay.request' }>;

interface Waiting {
  accepted(node: string): void;
  answered(response: Response): void;
}

/** A console's session hosted here for another node. */
interface Hosted {
  session: SignallingSession;
  origin: string;
  actorId: string;
  usedAt: number;
}

/** Hosted sessions idle this long with no room left are dropped (their console's node may be gone). */
const HOSTED_IDLE_MS = 5 * 60_000;

export class MediaRelay {
  readonly counters: MediaRelayCounters = { relayed: 0, hosted: 0, framesOut: 0, unclaimed: 0 };
  private readonly waiting = new Map<string, Waiting>();
  /** Console sessions connected here that relayed something, by session id. */
  private readonly local = new Map<string, RoutedSession>();
  /** Sessions of consoles connected to other nodes, by `<node> <session id>`. */
  private readonly hosted = new Map<string, Hosted>();
  private unsubscribe: (() => Promise<void>) | null = null;
  private sweep: NodeJS.Timeout | null = null;
  readonly ackMs: number;
  readonly answerMs: number;

  constructor(private readonly deps: MediaRelayDeps) {
    this.ackMs = deps.ackMs ?? 750;
    this.answerMs = deps.answerMs ?? 15_000;
  }

  async start(): Promise<void> {
    this.unsubscribe = await this.deps.bus.subscribe('media', (m) => this.received(m));
    this.sweep = setInterval(() => this.dropIdle(), 60_000);
    this.sweep.unref();
  }

  async stop(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    await this.unsubscribe?.();
    this.unsubscribe = null;
    for (const h of this.hosted.values()) h.session.close();
    this.hosted.clear();
  }

  /** A console's media session that sends call-room requests to the node holding the room. */
  wrap(session: SignallingSession, send: (frame: ServerFrame) => void): MediaSession {
    return new RoutedSession(this, session, send, this.deps.holds);
  }

  get hostedSessions(): number {
    return this.hosted.size;
  }

  /**
   * Sends a request to `to` (or to the node holding the call's leg, `to` null) and waits for its
   * answer; null when no node took it (only when `to` is null; a named node that does not
   * answer is an error).
   */
  async relay(session: RoutedSession, to: string | null, callId: string, request: MediaRequest): Promise<{ node: string; result: unknown } | null> {
    const requestId = randomUUID();
    this.local.set(session.id, session);
    let timer: NodeJS.Timeout | undefined;
    const outcome = new Promise<{ node: string; response: Response } | 'unclaimed' | 'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('unclaimed'), this.ackMs);
      let holder: string | null = null;
      this.waiting.set(requestId, {
        accepted: (node) => {
          if (holder !== null) return; // another node claimed it too: the first one serves it
          holder = node;
          clearTimeout(timer);
          timer = setTimeout(() => resolve('timeout'), this.answerMs);
        },
        answered: (response) => {
          if (holder !== null && response.node !== holder) return;
          resolve({ node: response.node, response });
        },
      });
    });
    this.counters.relayed++;
    try {
      await this.deps.bus.publish('media', { type: 'media.relay.request', node: this.deps.nodeId, to, requestId, sessionId: session.id, callId, actor: session.actor, request })
        .catch((err: unknown) => {
          throw new MediaUnavailable(`the bus to the other server nodes is down, so this call's media cannot be reached: ${err instanceof Error ? err.message : String(err)}`);
        });
      const got = await outcome;
      if (got === 'unclaimed') {
        if (to === null) {
          this.counters.unclaimed++;
          return null;
        }
        throw new NodeSilent(`the server node holding this call's media (${to}) did not answer; it may have stopped: retry, or answer the call again`);
      }
      if (got === 'timeout') throw new MediaUnavailable(`the server node holding this call's media took longer than ${this.answerMs} ms to answer ${request.action}; retry`);
      const { outcome: o } = got.response;
      if (!o.ok) throw new RelayedError(o.code, o.status, o.message);
      return { node: got.node, result: o.result };
    } finally {
      clearTimeout(timer);
      this.waiting.delete(requestId);
    }
  }

  /** The console's connection closed: the nodes that host its rooms close them. */
  closed(session: RoutedSession, nodes: Iterable<string>): void {
    this.local.delete(session.id);
    for (const to of nodes) {
      void this.deps.bus.publish('media', { type: 'media.relay.close', node: this.deps.nodeId, to, sessionId: session.id })
        .catch((err) => this.deps.log.warn({ err, to }, 'could not tell a node to close a console\'s relayed media session'));
    }
  }

  private received(m: BusMessage): void {
    if (!('to' in m) || m.node === this.deps.nodeId) return;
    switch (m.type) {
      case 'media.relay.accepted':
        if (m.to === this.deps.nodeId) this.waiting.get(m.requestId)?.accepted(m.node);
        return;
      case 'media.relay.response':
        if (m.to === this.deps.nodeId) this.waiting.get(m.requestId)?.answered(m);
        return;
      case 'media.relay.frame':
        if (m.to === this.deps.nodeId) this.local.get(m.sessionId)?.deliver(m.frame);
        return;
      case 'media.relay.close':
        if (m.to === this.deps.nodeId) this.closeHosted(`${m.node} ${m.sessionId}`);
        return;
      case 'media.relay.request':
        if (m.to === this.deps.nodeId || (m.to === null && this.deps.holds(m.callId))) void this.host(m);
        return;
      default:
    }
  }

  /** Runs a relayed request in this node's session for that console and answers it. */
  private async host(m: Request): Promise<void> {
    const log = this.deps.log.child({ from: m.node, action: m.request.action, callId: m.callId });
    const reply = (message: BusMessage) => this.deps.bus.publish('media', message).catch((err) => log.warn({ err }, 'could not answer a relayed media request'));
    void reply({ type: 'media.relay.accepted', node: this.deps.nodeId, to: m.node, requestId: m.requestId });
    const key = `${m.node} ${m.sessionId}`;
    let hosted = this.hosted.get(key);
    if (hosted && hosted.actorId !== m.actor.id) {
      return void reply({ type: 'media.relay.response', node: this.deps.nodeId, to: m.node, requestId: m.requestId, outcome: { ok: false, status: 409, code: 'conflict', message: 'this media session belongs to another actor' } });
    }
    if (!hosted) {
      const session = this.deps.media.localSession(`${m.node}:${m.sessionId}`, m.actor, (frame) => {
        if (frame.type !== 'media.event') return;
        this.counters.framesOut++;
        void this.deps.bus.publish('media', { type: 'media.relay.frame', node: this.deps.nodeId, to: m.node, sessionId: m.sessionId, frame })
          .catch((err) => log.warn({ err }, 'could not send a room event to a console on another node'));
      });
      hosted = { session, origin: m.node, actorId: m.actor.id, usedAt: Date.now() };
      this.hosted.set(key, hosted);
    }
    hosted.usedAt = Date.now();
    this.counters.hosted++;
    try {
      const result = await hosted.session.handle(m.request);
      await reply({ type: 'media.relay.response', node: this.deps.nodeId, to: m.node, requestId: m.requestId, outcome: { ok: true, result } });
    } catch (err) {
      const e = describeError(err);
      if (e.status >= 500 && e.code !== 'media_unavailable') log.error({ err }, 'relayed media request failed');
      await reply({ type: 'media.relay.response', node: this.deps.nodeId, to: m.node, requestId: m.requestId, outcome: { ok: false, status: e.status, code: e.code, message: e.message.slice(0, 2000) } });
    }
  }

  private closeHosted(key: string): void {
    const hosted = this.hosted.get(key);
    if (!hosted) return;
    this.hosted.delete(key);
    hosted.session.close();
  }

  private dropIdle(): void {
    const now = Date.now();
    for (const [key, h] of this.hosted) if (h.session.rooms === 0 && now - h.usedAt > HOSTED_IDLE_MS) this.closeHosted(key);
  }
}

/** The object a request acts on (transport, producer, consumer), when it names one. */
function objectOf(r: MediaRequest): string | null {
  switch (r.action) {
    case 'transport.connect': case 'produce': case 'consume': return r.transportId;
    case 'consumer.resume': case 'consumer.pause': case 'consumer.setPreferredLayers': return r.consumerId;
    case 'producer.pause': case 'producer.resume': return r.producerId;
    case 'close': return r.id;
    default: return null;
  }
}

/** What a request's result made that later requests name (a transport, producer or consumer id). */
function madeBy(r: MediaRequest, result: unknown): string | null {
  const made = (result ?? {}) as { transportId?: unknown; producerId?: unknown; consumerId?: unknown };
  const id = r.action === 'transport.create' || r.action === 'transport.create.plain' ? made.transportId
    : r.action === 'produce' ? made.producerId : r.action === 'consume' ? made.consumerId : null;
  return typeof id === 'string' ? id : null;
}

/**
 * One console connection's media signalling: call rooms held elsewhere go to their node, the
 * rest (incident rooms, call rooms held here) to the local session.
 */
class RoutedSession implements MediaSession {
  /** Call rooms served by another node, by room id. */
  private readonly rooms = new Map<string, string>();
  /** Objects made on another node, by id, with the node and the call. */
  private readonly objects = new Map<string, { node: string; callId: string }>();
  private closedFlag = false;

  constructor(
    private readonly relay: MediaRelay, private readonly localSession: SignallingSession, private readonly send: (frame: ServerFrame) => void,
    private readonly holds: (callId: string) => boolean,
  ) {}

  get id(): string {
    return this.localSession.id;
  }

  get actor(): Actor {
    return this.localSession.actor;
  }

  async handle(request: MediaRequest): Promise<unknown> {
    const object = objectOf(request);
    const placed = object === null ? undefined : this.objects.get(object);
    if (placed) return this.remote(placed.node, placed.callId, request);
    const roomId = 'roomId' in request ? request.roomId : null;
    if (object !== null || !roomId?.startsWith('call:')) return this.localSession.handle(request);
    const callId = roomId.slice('call:'.length);
    const known = this.rooms.get(roomId);
    if (known) return this.remote(known, callId, request);
    if (this.holds(callId)) return this.localSession.handle(request);
    const answered = await this.relay.relay(this, null, callId, request);
    if (!answered) {
      // The leg may have come up here meanwhile (an outbound call's INVITE goes out as the console asks).
      if (this.holds(callId)) return this.localSession.handle(request);
      throw new MediaUnavailable(`no server node holds the phone leg of call ${callId}, so its audio is not up (yet); retry`);
    }
    this.rooms.set(roomId, answered.node);
    this.remember(answered.node, callId, request, answered.result);
    return answered.result;
  }

  private async remote(node: string, callId: string, request: MediaRequest): Promise<unknown> {
    let answered;
    try {
      answered = await this.relay.relay(this, node, callId, request);
    } catch (err) {
      // The node did not answer (stopped, died): what it held is gone; the next request asks afresh.
      if (err instanceof NodeSilent) this.forget(node);
      throw err;
    }
    this.remember(node, callId, request, answered!.result);
    return answered!.result;
  }

  private forget(node: string): void {
    for (const [roomId, n] of this.rooms) if (n === node) this.rooms.delete(roomId);
    for (const [id, o] of this.objects) if (o.node === node) this.objects.delete(id);
  }

  private remember(node: string, callId: string, request: MediaRequest, result: unknown): void {
    if (request.action === 'room.leave') this.rooms.delete(request.roomId);
    else if (request.action === 'close') this.objects.delete(request.id);
    else {
      const made = madeBy(request, result);
      if (made) this.objects.set(made, { node, callId });
    }
    if (this.closedFlag) this.close();
  }

  /** A room event from the node that serves the room. */
  deliver(frame: Extract<ServerFrame, { type: 'media.event' }>): void {
    if (this.closedFlag) return;
    // A reset or closed room on the holder: this console asks again where the room is next time.
    if (frame.event === 'room.closed') this.rooms.delete(frame.roomId);
    this.send(frame);
  }

  close(): void {
    this.closedFlag = true;
    this.localSession.close();
    const nodes = new Set([...this.rooms.values(), ...[...this.objects.values()].map((o) => o.node)]);
    this.rooms.clear();
    this.objects.clear();
    this.relay.closed(this, nodes);
  }
}
