/**
 * The live WebSocket API: `hello` with a token, then commands (ack only after commit, nack
 * with a code and message), feed subscriptions with resume, queries and AVL reports. Every
 * inbound frame is size-checked, JSON-parsed and schema-validated before use; a bad frame is
 * answered and changes nothing.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { clientFrame, LIMITS, PROTOCOL_VERSION, type Actor, type ClientFrame, type ServerFrame } from '../protocol';
import { describeError, assertNever } from '../errors';
import type { Logger } from '../log';
import type { LiveHub, LiveSession } from './hub';
import type { Services } from '../services';
import type { MediaSession } from '../../media/SignallingSession';

const HELLO_TIMEOUT_MS = 10_000;
/** A client this far behind is cut off; it resumes from its last sequence number. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export function attachWebSocket(server: Server, services: Services, hub: LiveHub, log: Logger): WebSocketServer {
  const wss = new WebSocketServer({ server, path: '/ws', maxPayload: LIMITS.maxFrameBytes });
  wss.on('connection', (ws, req) => new Connection(ws, req, services, hub, log.child({ component: 'ws' })));
  return wss;
}

class Connection {
  private session: LiveSession | null = null;
  private media: MediaSession | null = null;
  private readonly helloTimer: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly ws: WebSocket, req: IncomingMessage, private readonly services: Services, private readonly hub: LiveHub, private readonly log: Logger) {
    this.helloTimer = setTimeout(() => this.close(4401, 'no hello within 10 s'), HELLO_TIMEOUT_MS);
    services.metrics.wsConnections.inc();
    ws.on('message', (data, isBinary) => {
      // Frames are handled one at a time, in arrival order.
      this.chain = this.chain.then(() => this.onMessage(data.toString(), isBinary)).catch((err) => {
        this.log.error({ err }, 'frame handling failed');
      });
    });
    ws.on('close', () => {
      clearTimeout(this.helloTimer);
      services.metrics.wsConnections.dec();
      if (this.session) {
        this.hub.removeSession(this.session);
        services.presence.disconnected(this.session.actor);
      }
      // Closing the socket closes its media transports (and their producers and consumers).
      this.media?.close();
    });
    ws.on('error', (err) => this.log.debug({ err, remote: req.socket.remoteAddress }, 'socket error'));
  }

  private send(frame: ServerFrame): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.close(4408, 'client too slow; resume from your last sequence numbers');
      return;
    }
    this.ws.send(JSON.stringify(frame));
  }

  private close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
  }

  private async onMessage(raw: string, isBinary: boolean): Promise<void> {
    if (isBinary) return this.send({ type: 'error', code: 'bad_frame', message: 'frames must be JSON text' });
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return this.send({ type: 'error', code: 'bad_json', message: 'frame is not valid JSON' });
    }
    const parsed = clientFrame.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const message = `invalid frame: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`;
      const commandId = (json as { command?: { commandId?: unknown } })?.command?.commandId;
      if ((json as { type?: unknown })?.type === 'command') {
        return this.send({ type: 'nack', commandId: typeof commandId === 'string' ? commandId : null, code: 'validation_failed', message });
      }
      if ((json as { type?: unknown })?.type === 'media.request') {
        const requestId = (json as { requestId?: unknown }).requestId;
        return this.send({ type: 'media.error', requestId: typeof requestId === 'string' ? requestId.slice(0, 64) : null, code: 'validation_failed', message });
      }
      return this.send({ type: 'error', code: 'validation_failed', message });
    }
    const frame = parsed.data;
    if (frame.type === 'hello') return this.hello(frame.protocolVersion, frame.token);
    if (!this.session) return this.send({ type: 'error', code: 'not_authenticated', message: 'send hello with a token first' });
    await this.handle(this.session.actor, frame);
  }

  private hello(version: number, token: string): void {
    if (version !== PROTOCOL_VERSION) {
      this.send({ type: 'incompatible', reason: version < PROTOCOL_VERSION ? 'client_too_old' : 'client_too_new', serverProtocolVersion: PROTOCOL_VERSION });
      return this.close(4400, 'incompatible protocol version');
    }
    if (this.session) return this.send({ type: 'error', code: 'already_authenticated', message: 'hello was already accepted' });
    let actor: Actor;
    try {
      actor = this.services.tokens.verify(token);
    } catch (err) {
      const e = describeError(err);
      this.send({ type: 'error', code: e.code, message: e.message });
      return this.close(4401, e.message);
    }
    clearTimeout(this.helloTimer);
    this.session = { id: randomUUID(), actor, send: (f) => this.send(f) };
    this.hub.addSession(this.session);
    this.services.presence.connected(actor);
    this.media = this.services.media.session(this.session.id, actor, (f) => this.send(f));
    this.send({ type: 'welcome', protocolVersion: PROTOCOL_VERSION, nodeId: this.services.nodeId, actor });
  }

  private async handle(actor: Actor, frame: Exclude<ClientFrame, { type: 'hello' }>): Promise<void> {
    switch (frame.type) {
      case 'command':
        try {
          const result = await this.services.execute(actor, frame.command);
          return this.send({ type: 'ack', commandId: frame.command.commandId, result });
        } catch (err) {
          const e = describeError(err);
          if (e.status >= 500) this.log.error({ err, command: frame.command.type }, 'command failed');
          return this.send({ type: 'nack', commandId: frame.command.commandId, code: e.code, message: e.message });
        }
      case 'subscribe':
        try {
          await this.services.read.authorizeFeed(actor, frame.feed);
          return await this.hub.subscribe(this.session!, frame.feed, frame.afterSeq);
        } catch (err) {
          const e = describeError(err);
          return this.send({ type: 'error', code: e.code, message: `subscribe ${frame.feed}: ${e.message}` });
        }
      case 'unsubscribe':
        this.hub.unsubscribe(this.session!, frame.feed);
        return this.send({ type: 'unsubscribed', feed: frame.feed });
      case 'query':
        try {
          return this.send({ type: 'query.result', requestId: frame.requestId, result: await this.services.read.run(actor, frame.query) });
        } catch (err) {
          const e = describeError(err);
          return this.send({ type: 'query.error', requestId: frame.requestId, code: e.code, message: e.message });
        }
      case 'avl.report':
        try {
          return this.send({ type: 'avl.accepted', count: await this.services.avl.ingest(actor, frame.positions) });
        } catch (err) {
          const e = describeError(err);
          return this.send({ type: 'error', code: e.code, message: `avl.report: ${e.message}` });
        }
      case 'media.request':
        try {
          return this.send({ type: 'media.response', requestId: frame.requestId, result: await this.media!.handle(frame.request) });
        } catch (err) {
          const e = describeError(err);
          if (e.status >= 500 && e.code !== 'media_unavailable') this.log.error({ err, action: frame.request.action }, 'media request failed');
          return this.send({ type: 'media.error', requestId: frame.requestId, code: e.code, message: e.message });
        }
      case 'ping':
        return this.send({ type: 'pong', t: frame.t });
      default:
        return assertNever(frame);
    }
  }
}
