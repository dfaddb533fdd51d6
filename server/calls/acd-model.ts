/**
 * The ACD's picture of the queues: every open call and every agent, per agency, kept in memory
 * from the views the bus carries with each committed event, and reloaded from the store by the
 * sweep (what a lost or late bus message missed). A distribution pass reads it instead of
 * reading and restoring every open call of the agency from the store: that read, once per call
 * or agent event, was what limited the call rate (BENCHMARKS.md §6).
 *
 * It is only a plan: an offer re-checks the call and the agent in its own transaction (their
 * versions, and the agent's calls read from the store), so a stale picture costs a refused
 * offer, never a wrong one.
 */
import { answerOrder } from './queue';
import type { AgentView, CallView } from './kind';

type View = CallView | AgentView;

export class AcdModel {
  private readonly calls = new Map<string, CallView>();
  private readonly agents = new Map<string, AgentView>();
  /** Calls seen ending, by id, with their last version: a late event does not bring one back. */
  private readonly ended = new Map<string, number>();
  /** When each call or agent last changed here, in `changes` (a reload keeps what changed after it began). */
  private readonly touched = new Map<string, number>();
  private changes = 0;

  /** Takes a newer view of a call or agent (an older or equal version changes nothing). */
  apply(view: View): void {
    const key = `${view.kind}:${view.id}`;
    if (view.kind === 'call') {
      const known = this.calls.get(view.id)?.version ?? this.ended.get(view.id) ?? 0;
      if (view.version <= known) return;
      if (view.state === 'ended') {
        this.calls.delete(view.id);
        this.ended.set(view.id, view.version);
      } else this.calls.set(view.id, view);
    } else {
      if (view.version <= (this.agents.get(view.id)?.version ?? 0)) return;
      this.agents.set(view.id, view);
    }
    this.touched.set(key, ++this.changes);
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
    for (const [id, call] of this.calls) {
      if (call.agencyId === agencyId && !found.has(id) && (this.touched.get(`call:${id}`) ?? 0) <= mark) {
        this.calls.delete(id);
        this.touched.delete(`call:${id}`);
      }
    }
    for (const [id] of this.ended) if ((this.touched.get(`call:${id}`) ?? 0) <= mark) this.forgetEnded(id);
    for (const view of [...calls, ...agents]) this.apply(view);
  }

  private forgetEnded(id: string): void {
    this.ended.delete(id);
    this.touched.delete(`call:${id}`);
  }

  /** The agency's open calls in answer order. */
  callsOf(agencyId: string): CallView[] {
    return [...this.calls.values()].filter((c) => c.agencyId === agencyId).sort(answerOrder);
  }

  agentsOf(agencyId: string): AgentView[] {
    return [...this.agents.values()].filter((a) => a.agencyId === agencyId).sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Every open call (an agent may be busy with a call of another agency: a transfer to a supervisor). */
  allCalls(): CallView[] {
    return [...this.calls.values()];
  }
}
