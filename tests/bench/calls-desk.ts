/**
 * The answering desk of the call bench: every bench call taker signs in over the live
 * WebSocket with its own token (like a console), says it is ready (`call.agent.ready`) and
 * answers (`call.answer`) the call the ACD offers it, at once. One socket per agency follows the
 * agency's ACD feed (`calls:<agency>`) and tells the offered call taker; the other consoles do
 * not subscribe, so the figures leave out the fan-out of every queue event to every console
 * (the fan-out bench measures that). A minimal client, not tests/support/ws-client.ts: that one
 * keeps every frame, which hundreds of consoles over thousands of calls cannot afford.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../../server/protocol';

type Frame = { type: string; [key: string]: unknown };
type Ack = { ok: true } | { ok: false; code: string; message: string };

/** One call taker's console connection. */
class Console {
  private readonly pending = new Map<string, (a: Ack) => void>();
  onFeedEvent: ((event: { streamType: string; streamId: string; view: Record<string, unknown> }) => void) | null = null;

  private constructor(readonly username: string, private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as Frame;
      if (f.type === 'ack' || f.type === 'nack') {
        const done = this.pending.get(String(f.commandId));
        this.pending.delete(String(f.commandId));
        done?.(f.type === 'ack' ? { ok: true } : { ok: false, code: String(f.code), message: String(f.message) });
      } else if (f.type === 'feed.event') {
        this.onFeedEvent?.(f.event as never);
      }
    });
  }

  static async connect(port: number, username: string, token: string): Promise<Console> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    const welcome = new Promise<Frame>((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()) as Frame)));
    ws.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, token }));
    const f = await welcome;
    if (f.type !== 'welcome') throw new Error(`${username}: hello refused: ${JSON.stringify(f)}`);
    ws.on('error', () => undefined);
    return new Console(username, ws);
  }

  command(cmd: Record<string, unknown>, timeoutMs = 30_000): Promise<Ack> {
    const commandId = randomUUID().replaceAll('-', '');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(commandId);
        resolve({ ok: false, code: 'timeout', message: `no ack within ${timeoutMs} ms` });
      }, timeoutMs);
      this.pending.set(commandId, (a) => { clearTimeout(timer); resolve(a); });
      this.ws.send(JSON.stringify({ type: 'command', command: { ...cmd, commandId } }));
    });
  }

  subscribe(feed: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const onMessage = (data: WebSocket.RawData) => {
        const f = JSON.parse(data.toString()) as Frame;
        if (f.type === 'subscribed' && f.feed === feed) { this.ws.off('message', onMessage); resolve(); }
        if (f.type === 'error') { this.ws.off('message', onMessage); reject(new Error(`subscribe ${feed}: ${String(f.message)}`)); }
      };
      this.ws.on('message', onMessage);
      this.ws.send(JSON.stringify({ type: 'subscribe', feed }));
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

/** What the desk saw of one call. */
export interface DeskCall {
  callId: string;
  sipCallId: string | null;
  agencyId: string;
  offeredSeenAt: number;
  answeredAckAt: number | null;
}

export interface DeskEvents {
  /** The call taker's answer was acknowledged (committed). */
  answered(call: DeskCall): void;
  /** A refused answer (the offer moved on meanwhile, or a real failure). */
  refused(callId: string, reason: string): void;
}

const now = () => performance.timeOrigin + performance.now();

export class AnsweringDesk {
  readonly calls = new Map<string, DeskCall>();
  private readonly answering = new Set<string>();

  private constructor(private readonly consoles: Map<string, Console>, private readonly events: DeskEvents) {}

  /** Signs everyone in (a few at a time), makes them ready and starts following each agency's feed. */
  static async open(port: number, agents: { username: string; agencyId: string }[], tokens: Record<string, string>, events: DeskEvents): Promise<AnsweringDesk> {
    const consoles = new Map<string, Console>();
    const desk = new AnsweringDesk(consoles, events);
    try {
      for (let i = 0; i < agents.length; i += 20) {
        await Promise.all(agents.slice(i, i + 20).map(async (a) => {
          const c = await Console.connect(port, a.username, tokens[a.username]!);
          consoles.set(`user:${a.username}`, c);
          const ready = await c.command({ type: 'call.agent.ready' });
          if (!ready.ok) throw new Error(`${a.username} could not get ready: ${ready.code}: ${ready.message}`);
        }));
      }
      for (const agencyId of new Set(agents.map((a) => a.agencyId))) {
        const watcher = consoles.get(`user:${agents.find((a) => a.agencyId === agencyId)!.username}`)!;
        watcher.onFeedEvent = (e) => desk.onEvent(e);
        await watcher.subscribe(`calls:${agencyId}`);
      }
    } catch (err) {
      desk.close();
      throw err;
    }
    return desk;
  }

  get size(): number {
    return this.consoles.size;
  }

  private onEvent(e: { streamType: string; streamId: string; view: Record<string, unknown> }): void {
    if (e.streamType !== 'call' || e.view.state !== 'offered') return;
    const offer = e.view.offer as { agentId: string } | null;
    const taker = offer ? this.consoles.get(offer.agentId) : undefined;
    if (!taker || this.answering.has(e.streamId)) return;
    const call: DeskCall = this.calls.get(e.streamId) ?? {
      callId: e.streamId, sipCallId: (e.view.sipCallId as string | null) ?? null, agencyId: String(e.view.agencyId), offeredSeenAt: now(), answeredAckAt: null,
    };
    this.calls.set(call.callId, call);
    this.answering.add(call.callId);
    void taker.command({ type: 'call.answer', callId: call.callId }).then((ack) => {
      if (ack.ok) {
        call.answeredAckAt = now();
        this.events.answered(call);
      } else {
        this.answering.delete(call.callId); // a later offer of this call is answered again
        this.events.refused(call.callId, `${ack.code}: ${ack.message}`);
      }
    });
  }

  close(): void {
    for (const c of this.consoles.values()) c.close();
    this.consoles.clear();
  }
}
