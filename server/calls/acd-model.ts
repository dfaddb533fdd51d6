/**
 * The ACD's picture of the queues: every open call and every agent, per agency, kept in memory
 * from the views the bus carries with each committed event, and reloaded from the store by the
 * sweep (what a lost or late bus message missed). A distribution pass reads it instead of
 * reading and restoring every open call of the agency from the store: that read, once per call
 * or agent event, was what limited the call rate (BENCHMARKS.md §6). Who is busy is kept as an
 * index too: it is asked at every call's arrival, with hundreds of agents and calls.
 *
 * It is only a plan: an offer re-checks the call and the agent in its own transaction (their
 * versions, and the agent's calls read from the store), so a stale picture costs a refused
 * offer, never a wrong one.
 */
import { agentsBusyWith } from '../../state-machines/call';
import { answerOrder } from './queue';
import type { AgentView, CallView } from './kind';

type View = CallView | AgentView;

/** When an agent was last idle: the latest of getting ready, being offered a call, answering one. */
const idleSince = (a: AgentView) => [a.readySince, a.lastOfferedAt, a.lastAnsweredAt].filter((t): t is string => t !== null).sort().at(-1) ?? '';

export class AcdModel {
  private readonly calls = new Map<string, CallView>();
  private readonly agents = new Map<string, AgentView>();
  private readonly callsByAgency = new Map<string, Set<string>>();
  private readonly agentsByAgency = new Map<string, Set<string>>();
  /** Agent id -> when they were last idle (`idleSince`), computed once per view. */
  private readonly idle = new Map<string, string>();
  /** Agent id -> the open calls keeping them busy (see agentsBusyWith). */
  private readonly busy = new Map<string, Set<string>>();
  /** Open calls with an offer some agent let lapse. */
  private readonly withMissedOffers = new Set<string>();
  /** Calls seen ending, by id, with their last version: a late event does not bring one back. */
  private readonly ended = new Map<string, number>();
  /** When each call or agent last changed here, in `changes` (a reload keeps what changed after it began). */
  private readonly touched = new Map<string, number>();
  private changes = 0;

  /** Takes a newer view of a call or agent (an older or equal version changes nothing). */
  apply(view: View): void {
    if (view.kind === 'call') {
      const known = this.calls.get(view.id)?.version ?? this.ended.get(view.id) ?? 0;
      if (view.version <= known) return;
      this.dropCall(view.id);
      if (view.state === 'ended') this.ended.set(view.id, view.version);
      else this.putCall(view);
    } else {
      if (view.version <= (this.agents.get(view.id)?.version ?? 0)) return;
      this.agents.set(view.id, view);
      this.idle.set(view.id, idleSince(view));
      indexed(this.agentsByAgency, view.agencyId).add(view.id);
    }
    this.touched.set(`${view.kind}:${view.id}`, ++this.changes);
  }

  private putCall(call: CallView): void {
    this.calls.set(call.id, call);
    indexed(this.callsByAgency, call.agencyId).add(call.id);
    for (const agentId of agentsBusyWith(call)) indexed(this.busy, agentId).add(call.id);
    if (call.missedOffers.length > 0) this.withMissedOffers.add(call.id);
  }

  private dropCall(id: string): void {
    const call = this.calls.get(id);
    if (!call) return;
    this.calls.delete(id);
    this.callsByAgency.get(call.agencyId)?.delete(id);
    for (const agentId of agentsBusyWith(call)) {
      const set = this.busy.get(agentId);
      set?.delete(id);
      if (set?.size === 0) this.busy.delete(agentId);
    }
    this.withMissedOffers.delete(id);
  }

  /** A mark to pass to `reload` for a read of the store that starts now. */
  mark(): number {
    return this.changes;
  }

  /**
   * The agency's open calls and agents as the store had them at some point after `mark`: what
   * the read found is taken where newer; a call it did not find (it ended) is dropped unless it
   * changed here after the read began (it is newer than the read).
   */
  reload(agencyId: string, calls: CallView[], agents: AgentView[], mark: number): void {
    const found = new Set(calls.map((c) => c.id));
    for (const id of [...(this.callsByAgency.get(agencyId) ?? [])]) {
      if (!found.has(id) && (this.touched.get(`call:${id}`) ?? 0) <= mark) {
        this.dropCall(id);
        this.touched.delete(`call:${id}`);
      }
    }
    for (const [id] of this.ended) {
      if ((this.touched.get(`call:${id}`) ?? 0) <= mark) {
        this.ended.delete(id);
        this.touched.delete(`call:${id}`);
      }
    }
    for (const view of [...calls, ...agents]) this.apply(view);
  }

  /** The agency's open calls in answer order. */
  callsOf(agencyId: string): CallView[] {
    return this.ofAgency(agencyId, () => true);
  }

  /** The agency's calls waiting in the queue, in answer order. */
  waiting(agencyId: string): CallView[] {
    return this.ofAgency(agencyId, (c) => c.state === 'queued');
  }

  /** Whether any call of the agency waits in the queue (asked at every call's arrival). */
  hasWaiting(agencyId: string): boolean {
    for (const id of this.callsByAgency.get(agencyId) ?? []) if (this.calls.get(id)!.state === 'queued') return true;
    return false;
  }

  private ofAgency(agencyId: string, keep: (c: CallView) => boolean): CallView[] {
    const out: CallView[] = [];
    for (const id of this.callsByAgency.get(agencyId) ?? []) {
      const c = this.calls.get(id)!;
      if (keep(c)) out.push(c);
    }
    return out.sort(answerOrder);
  }

  /**
   * The agency's ready agents with no call (of any agency: a transfer may bring one a call of
   * another), idle longest first. One who let an offer lapse since getting ready is about to be
   * set away (that command may not have landed yet) and is left out meanwhile.
   */
  available(agencyId: string): AgentView[] {
    const lapsed = this.lapsedOffers();
    const free: AgentView[] = [];
    for (const id of this.agentsByAgency.get(agencyId) ?? []) {
      const a = this.agents.get(id)!;
      if (this.isFree(a, lapsed)) free.push(a);
    }
    return free.sort((a, b) => this.idleOrder(a, b));
  }

  /** The first of `available(agencyId)` that `skip` does not rule out, found without sorting them all (asked at every call's arrival). */
  longestIdle(agencyId: string, skip: (agentId: string) => boolean): AgentView | null {
    const lapsed = this.lapsedOffers();
    let best: AgentView | null = null;
    for (const id of this.agentsByAgency.get(agencyId) ?? []) {
      const a = this.agents.get(id)!;
      if (!this.isFree(a, lapsed) || skip(a.id)) continue;
      if (!best || this.idleOrder(a, best) < 0) best = a;
    }
    return best;
  }

  /** Agent id -> when their latest lapsed offer ended. */
  private lapsedOffers(): Map<string, string> {
    const last = new Map<string, string>();
    for (const id of this.withMissedOffers) {
      for (const m of this.calls.get(id)!.missedOffers) if (m.endedAt > (last.get(m.agentId) ?? '')) last.set(m.agentId, m.endedAt);
    }
    return last;
  }

  private isFree(a: AgentView, lapsed: Map<string, string>): boolean {
    return a.state === 'ready' && !this.busy.has(a.agentId) && (lapsed.get(a.agentId) ?? '') <= (a.readySince ?? '');
  }

  /** Idle longest first; the agent id breaks ties. */
  private idleOrder(a: AgentView, b: AgentView): number {
    return this.idle.get(a.id)!.localeCompare(this.idle.get(b.id)!) || a.agentId.localeCompare(b.agentId);
  }
}

function indexed<V>(index: Map<string, Set<V>>, key: string): Set<V> {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  return set;
}
