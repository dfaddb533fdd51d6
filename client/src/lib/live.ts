/**
 * The live connection every app uses: WebSocket with `hello`, feed subscriptions that resume
 * from their last sequence number after a reconnect, commands answered by ack/nack, queries,
 * and an honest connection state. Nothing is shown as live unless the socket is open and
 * answering pings: the state drops to `reconnecting` the moment it is not.
 */
import {
  PROTOCOL_VERSION, serverFrame, type Command, type CommandResult, type FeedEvent, type MediaRequest, type Query, type ServerFrame,
} from '../../../server/protocol';
import { newCommandId } from './api';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'incompatible' | 'signed_out';

export interface FeedHandlers {
  snapshot(items: Record<string, unknown>[], seq: number): void;
  event(event: FeedEvent, seq: number): void;
  positions?(positions: Extract<ServerFrame, { type: 'unit.positions' }>['positions']): void;
}

/** A media signalling push (`producer.added`, `producer.closed`, `room.reset`, `room.closed`). */
export type MediaEventFrame = Extract<ServerFrame, { type: 'media.event' }>;

export class CommandRefused extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;
export type CommandInput = DistributiveOmit<Command, 'commandId'>;

interface Pending<T> {
  frame: unknown;
  resolve(value: T): void;
  reject(err: Error): void;
}

const PING_EVERY_MS = 5_000;
const PONG_WITHIN_MS = 4_000;

export class LiveClient {
  state: LiveState = 'connecting';
  private ws: WebSocket | null = null;
  private readonly feeds = new Map<string, { handlers: FeedHandlers; lastSeq: number | null }>();
  private readonly commands = new Map<string, Pending<CommandResult>>();
  private readonly queries = new Map<string, Pending<unknown>>();
  private readonly stateListeners = new Set<(s: LiveState) => void>();
  private readonly notificationListeners = new Set<(f: Extract<ServerFrame, { type: 'unit.notification' }>) => void>();
  private readonly mediaRequests = new Map<string, { resolve(value: unknown): void; reject(err: Error): void }>();
  private readonly mediaEventListeners = new Set<(f: MediaEventFrame) => void>();
  private retry = 0;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private pongDeadline: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  /** Time of the last frame from the server, for "last update" displays. */
  lastFrameAt = 0;

  constructor(private readonly url: string, private readonly token: () => string | null) {}

  static forPage(token: () => string | null): LiveClient {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    return new LiveClient(`${proto}://${location.host}/ws`, token);
  }

  start(): void {
    this.closed = false;
    this.open();
  }

  stop(): void {
    this.closed = true;
    this.ws?.close();
    this.setState('signed_out');
  }

  onState(listener: (s: LiveState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onNotification(listener: (f: Extract<ServerFrame, { type: 'unit.notification' }>) => void): () => void {
    this.notificationListeners.add(listener);
    return () => this.notificationListeners.delete(listener);
  }

  /**
   * Subscribes to a feed; kept across reconnects (resuming from the last sequence seen).
   * `afterSeq` starts from that point instead of a snapshot (0: the feed's whole history, or a
   * snapshot when the server holds too much of it).
   */
  subscribe(feed: string, handlers: FeedHandlers, afterSeq?: number): () => void {
    this.feeds.set(feed, { handlers, lastSeq: afterSeq ?? null });
    if (this.state === 'live') this.send({ type: 'subscribe', feed, afterSeq });
    return () => {
      this.feeds.delete(feed);
      if (this.state === 'live') this.send({ type: 'unsubscribe', feed });
    };
  }

  /**
   * Sends a command; resolves on ack, rejects with CommandRefused on nack. A command not yet
   * answered when the connection drops is re-sent with the same id after reconnecting (the
   * server applies an id once), so a dispatch is never silently lost or doubled.
   */
  command(input: CommandInput): Promise<CommandResult> {
    const commandId = newCommandId();
    const frame = { type: 'command', command: { ...input, commandId } };
    return new Promise((resolve, reject) => {
      this.commands.set(commandId, { frame, resolve, reject });
      if (this.state === 'live') this.send(frame);
    });
  }

  query<T = unknown>(query: Query): Promise<T> {
    const requestId = newCommandId();
    const frame = { type: 'query', requestId, query };
    return new Promise((resolve, reject) => {
      this.queries.set(requestId, { frame, resolve: resolve as (v: unknown) => void, reject });
      if (this.state === 'live') this.send(frame);
    });
  }

  /**
   * Sends a media signalling request; resolves with the `media.response` result, rejects with
   * CommandRefused on `media.error`. Not queued across reconnects: media sessions are per
   * socket (the server drops a socket's transports when it closes), so a request made while
   * the connection is down is refused at once with `not_connected`.
   */
  mediaRequest<T = unknown>(request: MediaRequest): Promise<T> {
    if (this.state !== 'live' || this.ws?.readyState !== WebSocket.OPEN) {
      return Promise.reject(new CommandRefused('not_connected', `media ${request.action}: not connected`));
    }
    const requestId = newCommandId();
    return new Promise((resolve, reject) => {
      this.mediaRequests.set(requestId, { resolve: resolve as (v: unknown) => void, reject });
      this.send({ type: 'media.request', requestId, request });
    });
  }

  onMediaEvent(listener: (f: MediaEventFrame) => void): () => void {
    this.mediaEventListeners.add(listener);
    return () => this.mediaEventListeners.delete(listener);
  }

  reportPositions(positions: { unitId: string; lat: number; lon: number; at: string; heading?: number; speedKmh?: number; accuracyM?: number }[]): void {
    if (this.state === 'live') this.send({ type: 'avl.report', positions });
  }

  private setState(state: LiveState): void {
    if (this.state === state) return;
    this.state = state;
    for (const l of this.stateListeners) {
      try {
        l(state);
      } catch (err) {
        console.error(err);
      }
    }
  }

  private send(frame: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  private open(): void {
    const token = this.token();
    if (!token) return this.setState('signed_out');
    this.setState(this.retry === 0 ? 'connecting' : 'reconnecting');
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, token }));
    ws.onmessage = (m) => this.onFrame(String(m.data));
    ws.onclose = () => this.onClose(ws);
    ws.onerror = () => ws.close();
  }

  private onClose(ws: WebSocket): void {
    if (this.ws !== ws) return;
    this.stopHeartbeat();
    this.ws = null;
    // The server closed this socket's media session with it: nothing pending will be answered.
    for (const p of this.mediaRequests.values()) p.reject(new CommandRefused('not_connected', 'media request: connection lost'));
    this.mediaRequests.clear();
    if (this.closed || this.state === 'incompatible' || this.state === 'signed_out') return;
    this.setState('reconnecting');
    const delay = Math.min(10_000, 250 * 2 ** this.retry++) * (0.75 + Math.random() / 2);
    setTimeout(() => this.open(), delay);
  }

  /** Closes the socket as if the network dropped (tests and the "reconnect" button). */
  dropConnection(): void {
    this.ws?.close();
  }

  private onFrame(raw: string): void {
    this.lastFrameAt = Date.now();
    const parsed = serverFrame.safeParse(JSON.parse(raw));
    if (!parsed.success) return console.warn('unexpected frame', raw.slice(0, 200));
    const f = parsed.data;
    switch (f.type) {
      case 'welcome':
        this.retry = 0;
        this.setState('live');
        this.startHeartbeat();
        for (const [feed, sub] of this.feeds) this.send({ type: 'subscribe', feed, afterSeq: sub.lastSeq ?? undefined });
        for (const p of this.commands.values()) this.send(p.frame);
        for (const p of this.queries.values()) this.send(p.frame);
        return;
      case 'incompatible':
        this.setState('incompatible');
        return;
      case 'error':
        if (f.code === 'not_authenticated') this.setState('signed_out');
        else console.warn(`${f.code}: ${f.message}`);
        return;
      case 'ack':
        this.commands.get(f.commandId)?.resolve(f.result);
        this.commands.delete(f.commandId);
        return;
      case 'nack':
        if (f.commandId) {
          this.commands.get(f.commandId)?.reject(new CommandRefused(f.code, f.message));
          this.commands.delete(f.commandId);
        }
        return;
      case 'query.result':
        this.queries.get(f.requestId)?.resolve(f.result);
        this.queries.delete(f.requestId);
        return;
      case 'query.error':
        this.queries.get(f.requestId)?.reject(new CommandRefused(f.code, f.message));
        this.queries.delete(f.requestId);
        return;
      case 'feed.snapshot': {
        const sub = this.feeds.get(f.feed);
        if (!sub) return;
        sub.lastSeq = f.seq;
        sub.handlers.snapshot(f.items, f.seq);
        return;
      }
      case 'feed.event':
      case 'feed.filtered': {
        const sub = this.feeds.get(f.feed);
        if (!sub) return;
        if (sub.lastSeq !== null && f.seq !== sub.lastSeq + 1) {
          // Never apply across a gap: ask again from what we have.
          this.send({ type: 'subscribe', feed: f.feed, afterSeq: sub.lastSeq });
          return;
        }
        sub.lastSeq = f.seq;
        if (f.type === 'feed.event') sub.handlers.event(f.event, f.seq);
        return;
      }
      case 'unit.positions':
        this.feeds.get(f.feed)?.handlers.positions?.(f.positions);
        return;
      case 'unit.notification':
        for (const l of this.notificationListeners) l(f);
        return;
      case 'pong':
        if (this.pongDeadline) clearTimeout(this.pongDeadline);
        this.pongDeadline = null;
        return;
      case 'media.response':
        this.mediaRequests.get(f.requestId)?.resolve(f.result);
        this.mediaRequests.delete(f.requestId);
        return;
      case 'media.error':
        if (f.requestId) {
          this.mediaRequests.get(f.requestId)?.reject(new CommandRefused(f.code, f.message));
          this.mediaRequests.delete(f.requestId);
        } else console.warn(`${f.code}: ${f.message}`);
        return;
      case 'media.event':
        for (const l of this.mediaEventListeners) {
          try {
            l(f);
          } catch (err) {
            console.error(err);
          }
        }
        return;
      case 'subscribed':
      case 'unsubscribed':
      case 'avl.accepted':
        return;
    }
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.pingTimer = setInterval(() => {
      this.send({ type: 'ping', t: Date.now() });
      if (!this.pongDeadline) {
        this.pongDeadline = setTimeout(() => {
          // The socket looks open but the server is not answering: treat it as down.
          this.pongDeadline = null;
          this.ws?.close();
        }, PONG_WITHIN_MS);
      }
    }, PING_EVERY_MS);
  }

  private stopHeartbeat(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.pongDeadline) clearTimeout(this.pongDeadline);
    this.pingTimer = null;
    this.pongDeadline = null;
  }
}
