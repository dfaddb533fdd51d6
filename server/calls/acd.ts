/**
 * The ACD distributor: offers each waiting call to the next available call taker of its
 * agency. It follows call and agent events on the bus, keeping the queues in memory from the
 * views they carry (./acd-model.ts; any node may run it; a sweep every few seconds reloads them
 * from the store, catching what a lost bus message missed), and offers through the command
 * pipeline as the system.
 *
 * The rule, kept simple on purpose:
 * - calls are offered in answer order (line priority, then longest wait);
 * - an agent is available when ready (`call.agent.ready`) and holding no call: none offered to
 *   them, none answered, held, in transfer or conference with them, none being transferred
 *   to them (read from the calls, so an ended call never has to free anyone);
 * - among available agents, the one idle longest goes first: the latest of when they got
 *   ready, were last offered a call and last answered one;
 * - an agent who lets an offer expire is set away (not ready), so calls do not ring an empty
 *   seat; declining does the same (see `call.decline`).
 * Two nodes offering the same call use the same command id (call id + version): one applies.
 * Everything that makes an agent busy steps the agent's aggregate (an offer, an answer, an
 * outbound call, a transfer or conference to them), and an offer reads the agent, then the calls
 * naming them: a busy-making command that commits in between fails the offer's version check,
 * and the re-planned offer sees the agent busy.
 */
import type { Bus } from '../bus/bus';
import type { BusMessage } from '../protocol';
import type { Logger } from '../log';
import type { Sql } from '../store/db';
import { SYSTEM_ACTOR } from '../auth/users';
import { RejectedByStateMachine, describeError } from '../errors';
import type { CommandPipeline, Plan, PlanContext, Step } from '../commands/pipeline';
import { agentsBusyWith } from '../../state-machines/call';
import { callOf } from './steps';
import { agencyAgents, callsKeepingBusy, openCalls } from './queue';
import { AcdModel } from './acd-model';
import type { AgentView, CallView } from './kind';

/** Agent ids holding or being offered a call, from the agency's open calls. */
export function busyAgents(calls: CallView[]): Set<string> {
  return new Set(calls.flatMap(agentsBusyWith));
}

/** An offer the planner refused, and whose fault: the agent's (try another) or the call's. */
class OfferRefused extends RejectedByStateMachine {
  constructor(readonly because: 'agent' | 'call', message: string) {
    super(message);
  }
}
const refused = (because: 'agent' | 'call', message: string) => new OfferRefused(because, message);

/**
 * Call and agent events after which a waiting call may be offered: a call enters (or goes back
 * to) the queue, or an agent becomes ready or lets go of a call. Anything else cannot free an
 * agent or add a waiting call; the sweep covers what a lost bus message misses.
 */
export const DISTRIBUTING_EVENTS: ReadonlySet<string> = new Set([
  // A call waits: it queued, or went back to the queue.
  'call.queued', 'call.offer.expired', 'call.offer.declined', 'call.transfer.expired',
  // An agent is free: a blind transfer let the transferor go, another agent took a call offered
  // to someone else, a transfer or conference ended, the call ended; or an agent got ready.
  'call.transfer.started', 'call.answered', 'call.transfer.completed', 'call.transfer.cancelled', 'call.conference.left', 'call.ended',
  'agent.ready',
]);

/** How long an agent picked for an offer is not picked again (the offer's events normally arrive within milliseconds). */
const CLAIM_MS = 2_000;

/** The call and agent steps of an offer. */
function offerSteps(callId: string, seat: AgentView): Step[] {
  return [
    { type: 'call', id: callId, event: { type: 'OFFER', agentId: seat.agentId, username: seat.username } },
    { type: 'agent', id: seat.id, event: { type: 'OFFERED', callId } },
  ];
}

/** Rounds of one distribution pass: the second and later only for calls whose agent was busy after all. */
const MAX_ROUNDS = 4;

/** What one offer came to: made, or refused because of the agent (try the next) or of the call. */
type OfferOutcome = 'offered' | 'agent' | 'call';

export class CallDistributor {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  /** Agencies whose next pass reloads their queue from the store first (the sweep). */
  private readonly reloads = new Set<string>();
  private readonly model = new AcdModel();
  /** Agents picked for an offer under way, each with the timer that lets them go: see `claim`. */
  private readonly claims = new Map<string, NodeJS.Timeout>();
  private unsubscribe: (() => Promise<void>) | null = null;
  private stopped = false;

  constructor(private readonly sql: Sql, private readonly pipeline: CommandPipeline, private readonly agencies: string[], private readonly log: Logger) {}

  async start(bus: Bus): Promise<void> {
    this.unsubscribe = await bus.subscribe('events', (m) => this.onEvent(m));
    await this.sweep();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const agentId of [...this.claims.keys()]) this.release(agentId);
    await this.unsubscribe?.();
    await Promise.all(this.running.values());
  }

  /**
   * Reloads every agency's queue from the store and distributes, and waits for it (the worker
   * loop's sweep: what a lost bus message kept from the picture is in the store).
   */
  async sweep(): Promise<number> {
    for (const agencyId of this.agencies) this.schedule(agencyId, true);
    await this.idle();
    return 0;
  }

  /** Resolves once every distribution started so far has finished (tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  private onEvent(message: BusMessage): void {
    if (message.type !== 'event.committed') return;
    const { event } = message;
    if (event.streamType !== 'call' && event.streamType !== 'agent') return;
    this.model.apply(event.view as unknown as CallView | AgentView);
    // The agent's own event comes after the call's in an offer: the picture has it busy now.
    if (event.streamType === 'agent') this.release(event.streamId);
    // Only what can make an offer possible starts a pass: a call waiting, an agent ready or free.
    // Media, digits, recordings, locations and the offers themselves do not.
    if (!DISTRIBUTING_EVENTS.has(event.type)) return;
    const agencyId = String(event.view.agencyId);
    if (event.type === 'call.offer.expired') void this.missedOffer(event.streamId, event.version, String(event.payload.agentId)).finally(() => this.schedule(agencyId));
    // On the next turn: the rest of the command's events (a call queued and offered in one
    // command) are in the picture by then.
    else setImmediate(() => this.schedule(agencyId));
  }

  /** One distribution per agency at a time; events meanwhile ask for one more pass. */
  private schedule(agencyId: string, reload = false): void {
    if (this.stopped) return;
    if (reload) this.reloads.add(agencyId);
    if (this.running.has(agencyId)) {
      this.again.add(agencyId);
      return;
    }
    const run = (async () => {
      do {
        this.again.delete(agencyId);
        try {
          if (this.reloads.delete(agencyId)) await this.reload(agencyId);
          await this.distribute(agencyId);
        } catch (err) {
          this.log.warn({ err, agencyId }, 'call distribution failed; the sweep retries');
        }
      } while (this.again.has(agencyId));
    })().finally(() => this.running.delete(agencyId));
    this.running.set(agencyId, run);
  }

  private async reload(agencyId: string): Promise<void> {
    const mark = this.model.mark();
    const [calls, agents] = [await openCalls(this.sql, this.pipeline, agencyId), await agencyAgents(this.sql, this.pipeline, agencyId)];
    this.model.reload(agencyId, calls, agents, mark);
  }

  /**
   * Offers the agency's waiting calls, in answer order, to its available agents, idle longest
   * first, all at once (each offer is its own command on other aggregates: one waiting on the
   * store does not hold up the next). An agent an offer finds busy costs that call a round: it
   * is offered again, to the next available agent, with the picture the refusal corrected.
   */
  private async distribute(agencyId: string): Promise<number> {
    const settled = new Set<string>();
    const used = new Set<string>();
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const waiting = this.model.waiting(agencyId).filter((c) => !settled.has(c.id));
      // Nobody waiting (most passes): the agents are not even looked at.
      if (waiting.length === 0) break;
      const free = this.available(agencyId).filter((a) => !used.has(a.id));
      const pairs = waiting.slice(0, free.length).map((call, i) => [call, free[i]!] as const);
      if (pairs.length === 0) break;
      const outcomes = await Promise.all(pairs.map(async ([call, agent]) => {
        used.add(agent.id);
        const outcome = await this.offer(call, agent);
        if (outcome !== 'agent') settled.add(call.id);
        return outcome;
      }));
      if (!outcomes.includes('agent')) break;
    }
    return settled.size;
  }

  private async offer(call: CallView, agent: AgentView): Promise<OfferOutcome> {
    this.claim(agent.id, call.agencyId);
    try {
      await this.pipeline.execute(SYSTEM_ACTOR, `acd-offer-${call.id}-v${call.version}`, 'call.offer', async (ctx): Promise<Plan> => {
        const now = callOf(await ctx.load('call', call.id));
        this.model.apply(now);
        if (now.version !== call.version) throw refused('call', 'the call moved on');
        const seat = await this.seatIfFree(ctx, agent.id);
        if (typeof seat === 'string') throw refused('agent', seat);
        return { steps: offerSteps(call.id, seat) };
      });
      return 'offered';
    } catch (err) {
      if (err instanceof OfferRefused && err.because === 'agent') return 'agent';
      // The call moved on (its next event plans again): the agent stays free for another call.
      this.release(agent.id);
      if (err instanceof OfferRefused) return 'call';
      if (describeError(err).status >= 500) this.log.warn({ err, callId: call.id }, 'offering a call failed');
      return 'call';
    }
  }

  /**
   * Inside a command: the agent's view when they are ready and free, or why not. Their calls
   * are read after the agent: anything that made them busy since stepped their version, so
   * the command's commit conflicts with it and is planned again.
   */
  private async seatIfFree(ctx: PlanContext, agentId: string): Promise<AgentView | string> {
    const seat = (await ctx.load('agent', agentId)).view as unknown as AgentView;
    this.model.apply(seat);
    if (seat.state !== 'ready') return `${seat.username} is not ready`;
    const theirs = await callsKeepingBusy(this.sql, this.pipeline, seat.agentId);
    for (const c of theirs) this.model.apply(c);
    return busyAgents(theirs).has(seat.agentId) ? `${seat.username} is busy` : seat;
  }

  /**
   * For the command that creates a call: the steps offering it at once to the agency's agent
   * idle longest, when one is free and no call of the agency waits in the queue (a new call
   * does not jump the queue); none otherwise, and the call waits for a distribution pass.
   * One command instead of two, and no wait for the bus and a pass: what a caller hears
   * ringing at the console the moment they call.
   */
  async offerOnArrival(ctx: PlanContext, callId: string, agencyId: string): Promise<Step[]> {
    if (this.model.hasWaiting(agencyId)) return [];
    const agent = this.model.longestIdle(agencyId, (id) => this.claims.has(id));
    if (!agent) return [];
    this.claim(agent.id, agencyId);
    const seat = await this.seatIfFree(ctx, agent.id);
    return typeof seat === 'string' ? [] : offerSteps(callId, seat);
  }

  /** Ready agents without a call, idle longest first, less those an offer under way claimed. */
  private available(agencyId: string): AgentView[] {
    return this.model.available(agencyId).filter((a) => !this.claims.has(a.id));
  }

  /**
   * An agent an offer is being made to is not picked again until the offer's events arrive
   * (the agent's event releases the claim) or, when the offer did not commit, for CLAIM_MS;
   * then the agency gets a pass, in case a call waited for them meanwhile.
   */
  private claim(agentId: string, agencyId: string): void {
    this.release(agentId);
    this.claims.set(agentId, setTimeout(() => {
      this.claims.delete(agentId);
      this.schedule(agencyId);
    }, CLAIM_MS).unref());
  }

  private release(agentId: string): void {
    clearTimeout(this.claims.get(agentId));
    this.claims.delete(agentId);
  }

  /** An agent who let an offer expire is set away until they say they are ready again. */
  private async missedOffer(callId: string, version: number, agentId: string): Promise<void> {
    try {
      await this.pipeline.execute(SYSTEM_ACTOR, `acd-away-${callId}-v${version}`, 'call.agent.away', async () => ({
        steps: [{ type: 'agent', id: agentId, event: { type: 'AWAY', reason: `missed call ${callId}` } }],
      }));
    } catch (err) {
      if (describeError(err).status >= 500) this.log.warn({ err, callId, agentId }, 'setting an agent away failed');
    }
  }
}
