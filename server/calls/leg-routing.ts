/**
 * Where a call's SIP effects run when several server nodes share one SIP edge. A call's SIP
 * leg (the sip.js dialog, its PlainTransport, the call's media room) lives in the memory of
 * the node whose user agent took the INVITE; the outbox row of an effect (`sip.call.answer`,
 * `hold`, `hangup` ...) is claimed by whichever node's worker comes first. A node that does
 * not hold the leg forwards the effect on the bus (`calls` channel); the node that holds it
 * accepts and runs it, once per outbox row (a row it claimed itself too, should the row run
 * again). If no node accepts within `ackMs`, after `attempts` sends, no node holds the leg:
 * its node stopped or died with the phone's dialog, and the call ends as a failure with that
 * reason instead of waiting for an answer that can never come.
 *
 *   outbox row ──▶ leg here? ──yes──▶ run it (once per row)
 *                     │ no
 *                     ▼
 *          sip.effect.forward ──▶ the holder: sip.effect.accepted, runs it (once per row)
 *                     │ nobody accepts (attempts × ackMs)
 *                     ▼
 *          call.ended (failure: no node holds the leg)
 *
 * Why ask on the bus rather than keep a table of which node holds which leg: a leg exists
 * only as long as its node's memory, so the node itself is the one record that cannot be
 * stale, and a crashed node needs no clean-up. The price is `attempts × ackMs` before an
 * orphaned effect gives up, which only a call whose node is gone ever pays.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../log';
import type { Bus } from '../bus/bus';
import type { Actor, BusMessage, Command, CommandResult } from '../protocol';
import { command as commandSchema } from '../protocol';
import { SYSTEM_ACTOR } from '../auth/users';
import { describeError } from '../errors';
import type { OutboxHandler } from '../workers/outbox';

export interface LegRoutingDeps {
  bus: Bus;
  nodeId: string;
  /** Whether this node holds the call's SIP leg now. */
  holds: (callId: string) => boolean;
  execute: (actor: Actor, command: Command) => Promise<CommandResult>;
  log: Logger;
  /** How long to wait for the holder's acceptance, ms. Default 1000. */
  ackMs?: number;
  /** Sends before no node is taken to hold the leg. Default 3 (a bus message may be lost). */
  attempts?: number;
}

/** What the router did, for tests and metrics. */
export interface LegRoutingCounters {
  /** Effects run here on a leg this node holds (claimed here or forwarded to it). */
  ranHere: number;
  /** Effects this node sent on to another node. */
  forwarded: number;
  /** Forwarded effects this node accepted as the holder. */
  accepted: number;
  /** Effects no node took: their calls were ended as failures. */
  orphaned: number;
}

/** An outbox row remembered as run for this long (a retried or re-forwarded row comes far sooner). */
const DONE_TTL_MS = 10 * 60_000;

type Forward = Extract<BusMessage, { type: 'sip.effect.forward' }>;

export class LegRouter {
  readonly counters: LegRoutingCounters = { ranHere: 0, forwarded: 0, accepted: 0, orphaned: 0 };
  private handlers: Record<string, OutboxHandler> = {};
  /** Outbox rows run here, by effect id, with when. */
  private readonly done = new Map<string, number>();
  /** Forwards waiting for their holder, by effect id. */
  private readonly waiting = new Map<string, () => void>();
  private unsubscribe: (() => Promise<void>) | null = null;
  private readonly ackMs: number;
  private readonly attempts: number;

  constructor(private readonly deps: LegRoutingDeps) {
    this.ackMs = deps.ackMs ?? 1000;
    this.attempts = deps.attempts ?? 3;
  }

  /** The outbox handlers a forwarded effect is run with on the holding node (the same table as the outbox's). */
  bind(handlers: Record<string, OutboxHandler>): void {
    this.handlers = handlers;
  }

  async start(): Promise<void> {
    this.unsubscribe = await this.deps.bus.subscribe('calls', (message) => this.received(message));
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /**
   * Decides where the effect of an outbox row runs: true when the caller should run it here
   * now (the leg is here and the row did not run here yet); false when it ran already, or was
   * sent on to the node that holds the leg (or, held nowhere, ends the call).
   */
  claim(action: string, callId: string, params: Record<string, unknown>, row: { id: number; commandId: string }): boolean {
    const effectId = `outbox-${row.id}`;
    if (this.deps.holds(callId)) return this.once(effectId);
    void this.forward({ type: 'sip.effect.forward', node: this.deps.nodeId, effectId, action, callId, row, params })
      .catch((err) => this.deps.log.error({ err, action, callId }, 'a call effect could not be routed'));
    return false;
  }

  private once(effectId: string): boolean {
    const now = Date.now();
    for (const [id, at] of this.done) {
      if (now - at < DONE_TTL_MS) break; // insertion order: the rest are younger
      this.done.delete(id);
    }
    if (this.done.has(effectId)) return false;
    this.done.set(effectId, now);
    this.counters.ranHere++;
    return true;
  }

  private async forward(message: Forward): Promise<void> {
    const log = this.deps.log.child({ callId: message.callId, action: message.action, effectId: message.effectId });
    this.counters.forwarded++;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      let timer: NodeJS.Timeout | undefined;
      const accepted = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), this.ackMs);
        this.waiting.set(message.effectId, () => resolve(true));
      });
      await this.deps.bus.publish('calls', message).catch((err) => log.warn({ err, attempt }, 'could not send a call effect on the bus'));
      const ok = await accepted;
      clearTimeout(timer);
      this.waiting.delete(message.effectId);
      if (ok) {
        log.debug({ attempt }, 'call effect taken by the node holding the SIP leg');
        return;
      }
    }
    this.counters.orphaned++;
    const reason = `no server node holds the caller's SIP leg (its node stopped); ${message.action} not carried out`;
    log.warn({ attempts: this.attempts }, 'no node holds the SIP leg of this call; ending the call as failed');
    // One command per call: a second orphaned effect of the same call is the same report.
    const commandId = `sip-orphan-${createHash('sha256').update(message.callId).digest('hex').slice(0, 40)}`;
    try {
      await this.deps.execute(SYSTEM_ACTOR, commandSchema.parse({ type: 'call.ended', commandId, callId: message.callId, cause: 'failure', sipReason: reason.slice(0, 200) }));
    } catch (err) {
      // Already ended (the caller hung up, a dispatcher did): nothing left to end.
      if (describeError(err).code !== 'rejected_by_state_machine') log.warn({ err }, 'the call whose leg is gone could not be ended');
    }
  }

  private received(message: BusMessage): void {
    if (message.type === 'sip.effect.accepted') {
      if (message.to === this.deps.nodeId) this.waiting.get(message.effectId)?.();
      return;
    }
    if (message.type !== 'sip.effect.forward' || message.node === this.deps.nodeId || !this.deps.holds(message.callId)) return;
    const handler = this.handlers[message.action];
    if (!handler) {
      this.deps.log.warn({ action: message.action, from: message.node }, 'forwarded call effect with an unknown action ignored');
      return;
    }
    this.counters.accepted++;
    void this.deps.bus.publish('calls', { type: 'sip.effect.accepted', node: this.deps.nodeId, to: message.node, effectId: message.effectId })
      .catch((err) => this.deps.log.warn({ err }, 'could not accept a forwarded call effect'));
    // The same handler as the outbox's: it claims the row again, now with the leg here (once per row).
    handler(message.params, message.row).catch((err) => this.deps.log.error({ err, action: message.action, callId: message.callId }, 'forwarded call effect failed'));
  }
}
