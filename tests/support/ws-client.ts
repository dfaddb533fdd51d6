/** A test WebSocket client speaking the live protocol, recording every frame it receives. */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, type Command, type CommandResult, type ServerFrame } from '../../server/protocol';

type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;
export type CommandInput = DistributiveOmit<Command, 'commandId'> & { commandId?: string };

export class TestClient {
  readonly frames: ServerFrame[] = [];
  private waiters: { pred: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
  }

  static async connect(port: number, token?: string): Promise<TestClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    const client = new TestClient(ws);
    if (token) {
      client.sendRaw({ type: 'hello', protocolVersion: PROTOCOL_VERSION, token });
      const f = await client.next((x) => x.type === 'welcome' || x.type === 'error');
      if (f.type !== 'welcome') throw new Error(`hello refused: ${JSON.stringify(f)}`);
    }
    return client;
  }

  sendRaw(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  /** The next frame (from now on, or already received if `fromIndex` given) matching `pred`. */
  next(pred: (f: ServerFrame) => boolean, timeoutMs = 5000, fromIndex?: number): Promise<ServerFrame> {
    if (fromIndex !== undefined) {
      const found = this.frames.slice(fromIndex).find(pred);
      if (found) return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms; last: ${JSON.stringify(this.frames.slice(-3))}`)), timeoutMs);
      this.waiters.push({ pred, resolve: (f) => { clearTimeout(timer); resolve(f); } });
    });
  }

  /** Sends a command and waits for its ack or nack. */
  async command(cmd: CommandInput): Promise<{ ok: true; result: CommandResult } | { ok: false; code: string; message: string }> {
    const commandId = cmd.commandId ?? randomUUID().replaceAll('-', '');
    const reply = this.next((f) => (f.type === 'ack' || f.type === 'nack') && f.commandId === commandId);
    this.sendRaw({ type: 'command', command: { ...cmd, commandId } });
    const f = await reply;
    if (f.type === 'ack') return { ok: true, result: f.result };
    if (f.type === 'nack') return { ok: false, code: f.code, message: f.message };
    throw new Error('unreachable');
  }

  async ok(cmd: CommandInput): Promise<CommandResult> {
    const r = await this.command(cmd);
    if (!r.ok) throw new Error(`${cmd.type} refused: ${r.code}: ${r.message}`);
    return r.result;
  }

  async query(query: unknown): Promise<unknown> {
    const requestId = randomUUID();
    const reply = this.next((f) => (f.type === 'query.result' || f.type === 'query.error') && f.requestId === requestId);
    this.sendRaw({ type: 'query', requestId, query });
    const f = await reply;
    if (f.type === 'query.error') throw new Error(`${f.code}: ${f.message}`);
    return (f as { result: unknown }).result;
  }

  /** Sends a media signalling request and waits for its response or error. */
  async media(request: unknown, timeoutMs = 5000): Promise<{ ok: true; result: any } | { ok: false; code: string; message: string }> {
    const requestId = randomUUID();
    const reply = this.next((f) => (f.type === 'media.response' || f.type === 'media.error') && f.requestId === requestId, timeoutMs);
    this.sendRaw({ type: 'media.request', requestId, request });
    const f = await reply;
    if (f.type === 'media.response') return { ok: true, result: f.result };
    if (f.type === 'media.error') return { ok: false, code: f.code, message: f.message };
    throw new Error('unreachable');
  }

  /** Like `media`, but throws on a refusal. */
  async mediaOk(request: { action: string } & Record<string, unknown>): Promise<any> {
    const r = await this.media(request);
    if (!r.ok) throw new Error(`media ${request.action} refused: ${r.code}: ${r.message}`);
    return r.result;
  }

  async subscribe(feed: string, afterSeq?: number): Promise<ServerFrame> {
    const reply = this.next((f) => (f.type === 'subscribed' && f.feed === feed) || (f.type === 'error' && f.message.includes(feed)));
    this.sendRaw({ type: 'subscribe', feed, afterSeq });
    return reply;
  }

  /** feed.event / feed.filtered frames of a feed received so far, in arrival order. */
  feedFrames(feed: string): Extract<ServerFrame, { type: 'feed.event' | 'feed.filtered' }>[] {
    return this.frames.filter((f): f is Extract<ServerFrame, { type: 'feed.event' | 'feed.filtered' }> =>
      (f.type === 'feed.event' || f.type === 'feed.filtered') && f.feed === feed);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
