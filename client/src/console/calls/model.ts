/**
 * What the calls panel shows, derived from the agency's ACD feed: the seat's readiness, the
 * call offered to this seat, the calls in its hands, the queue in the server's answer order
 * (`answerOrder`, imported, not copied) and the abandoned calls awaiting a callback.
 */
import { answerOrder } from '../../../../server/calls/queue';
import { CONNECTED_CALL_STATES } from '../../../../state-machines/call-model';
import type { Store } from '../../lib/stores';
import type { AgentView, CallView } from '../../lib/stores';
import type { CityIndex } from '../city';
import { localName } from '../city';
import { tc } from './messages';

/** The calls panel's picture of the agency for one seat. */
export interface CallDesk {
  me: AgentView | null;
  /** The call the ACD offers this seat right now (Answer / Decline / A). */
  offered: CallView | null;
  /** Calls with this seat: connected, held, transferring, conferenced, a callback ringing out, or handed to it. */
  mine: CallView[];
  waiting: CallView[];
  abandoned: CallView[];
}

/** True when the call is this agent's to handle: connected with them, ringing out for them, or transferred to them. */
export function isMine(call: CallView, agentId: string): boolean {
  const target = call.transfer?.target;
  // Handed to this agent and not taken yet, or consulted by an attended transfer until it completes.
  if (target?.kind === 'agent' && target.agentId === agentId && (call.transfer!.targetAnsweredAt === null || call.transfer!.mode === 'attended')) return true;
  if (call.agent?.agentId !== agentId) return false;
  return (CONNECTED_CALL_STATES as readonly string[]).includes(call.state) || (call.state === 'ringing' && call.direction === 'outbound');
}

/**
 * True while an attended transfer's consultation is up: the consulted party answered (or, for a
 * number, is being called into the room). The caller is held; the transferor and the party talk.
 */
export function consulting(call: CallView): boolean {
  const t = call.transfer;
  return call.state === 'transferring' && t?.mode === 'attended' && (t.targetAnsweredAt !== null || t.target.kind === 'number');
}

/** True when this agent is the one consulted by an attended transfer and has answered. */
export function consultedMe(call: CallView, agentId: string): boolean {
  const t = call.transfer;
  return consulting(call) && t!.target.kind === 'agent' && t!.target.agentId === agentId;
}

/** True when the call is being transferred to this agent and waits for them to answer (blind or consulted). */
export function transferredToMe(call: CallView, agentId: string): boolean {
  const target = call.transfer?.target;
  return call.state === 'transferring' && target?.kind === 'agent' && target.agentId === agentId && call.transfer!.targetAnsweredAt === null;
}

/** The desk of agent `agentId` from the stores. */
export function callDesk(calls: Store<CallView>, agents: Store<AgentView>, agentId: string, city: CityIndex): CallDesk {
  const all = calls.values();
  const emergency = (c: CallView) => (isEmergencyLine(city, c.line) ? 0 : 1);
  const waiting = all.filter((c) => c.state === 'queued' || c.state === 'offered').sort(answerOrder);
  return {
    me: agents.items.get(agentId) ?? null,
    offered: waiting.find((c) => c.state === 'offered' && c.offer?.agentId === agentId) ?? null,
    mine: all.filter((c) => isMine(c, agentId)).sort((a, b) => (a.answeredAt ?? a.createdAt).localeCompare(b.answeredAt ?? b.createdAt)),
    waiting,
    // As the server's board orders them: emergency lines first, then the oldest.
    abandoned: all.filter((c) => c.state === 'abandoned')
      .sort((a, b) => emergency(a) - emergency(b) || (a.endedAt ?? '').localeCompare(b.endedAt ?? '')),
  };
}

/**
 * Milliseconds the call has waited at `now` (0 when not queued). At least as long as the server
 * said when it flagged the wait overdue: the console's clock ticks once a second and may lag.
 */
export function waitedMs(call: CallView, now: number): number {
  if (!call.queuedAt) return 0;
  const queued = Date.parse(call.queuedAt);
  const flagged = call.alerts.reduce((max, a) => Math.max(max, Date.parse(a.raisedAt)), 0);
  return Math.max(0, now - queued, flagged - queued);
}

/** Waited past the line's answer target (or the server already raised the alert). */
export function isOverdue(call: CallView, now: number): boolean {
  return waitedMs(call, now) >= call.answerTargetMs || call.alerts.some((a) => a.kind === 'answer_overdue');
}

/** The line in words: "110 Police emergency". */
export function lineLabel(city: CityIndex, line: string): string {
  const l = city.data.lines?.find((x) => x.number === line);
  if (!l) return tc('calls.line', { line });
  const name = localName(l);
  // Chinese line names carry their number already ("110报警").
  return name.startsWith(line) ? name : `${line} ${name}`;
}

/** Whether a line is an emergency line (sorts and colours abandoned calls). */
export function isEmergencyLine(city: CityIndex, line: string): boolean {
  return city.data.lines?.find((x) => x.number === line)?.emergency ?? false;
}

/** The caller's number as shown ("withheld" for anonymous callers). */
export function callerLabel(call: Pick<CallView, 'callerNumber' | 'callerName'>): string {
  if (call.callerNumber === 'anonymous') return tc('calls.withheld');
  return call.callerName ? `${call.callerNumber} · ${call.callerName}` : call.callerNumber;
}

/** A proposal the dispatcher has not confirmed yet (never used before they do). */
export function unconfirmedProposal(call: CallView): CallView['proposedLocation'] {
  const p = call.proposedLocation;
  if (!p) return null;
  const c = call.confirmedLocation;
  // A later PIDF-LO after a confirmation is a new proposal; the confirmed place stays the dispatcher's.
  return !c || p.at > c.at ? p : null;
}
