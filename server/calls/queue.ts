/**
 * The ACD queue read model: per agency, who is waiting (in answer order: line priority, then
 * the longest wait), which calls are with an agent, which abandoned calls await a callback,
 * and the agents' readiness. Read straight from the aggregates, so every node agrees.
 */
import type { Sql } from '../store/db';
import type { CommandPipeline } from '../commands/pipeline';
import type { CityModel } from '../city';
import { waitingMs } from '../../state-machines/call-model';
import { LIVE_CALL_STATES } from '../../state-machines/call';
import type { AgentView, CallView } from './kind';

type Row = { id: string; version: number; snapshot: unknown };

/** One waiting caller as the queue board shows it. */
export interface QueueEntry {
  callId: string;
  callerNumber: string;
  callerName: string | null;
  line: string;
  lineName: string | null;
  emergency: boolean;
  priority: number;
  state: 'queued' | 'offered';
  queuedAt: string;
  waitingSec: number;
  /** Username of the agent the call is offered to right now, if any. */
  offeredTo: string | null;
  /** Waited past the line's answer target. */
  overdue: boolean;
}

export interface CallBoard {
  agencyId: string;
  at: string;
  waiting: QueueEntry[];
  /** Calls with an agent: answered, held, transferring, conferenced, or an outbound call ringing. */
  inProgress: CallView[];
  /** Abandoned calls awaiting a callback, emergency lines first, then oldest first. */
  abandoned: CallView[];
  agents: AgentView[];
}

/** Answer order: the line's priority (1 first), then who has waited longest, then id (stable). */
export function answerOrder(a: CallView, b: CallView): number {
  return a.priority - b.priority || (a.queuedAt ?? a.createdAt).localeCompare(b.queuedAt ?? b.createdAt) || a.id.localeCompare(b.id);
}

/** Every call of the agency that has not ended (abandoned calls included). */
export async function openCalls(sql: Sql, pipeline: CommandPipeline, agencyId: string): Promise<CallView[]> {
  const rows = await sql<Row[]>`SELECT id, version, snapshot FROM aggregates WHERE type = 'call' AND agency_id = ${agencyId} AND state <> 'ended'`;
  const kind = pipeline.kind('call');
  return rows.map((r) => kind.view(r.id, pipeline.restore('call', r.snapshot), r.version) as unknown as CallView).sort(answerOrder);
}

/**
 * The live calls, of any agency, that keep this agent busy (offered to them, with them, being
 * transferred to them, in conference with them), read from the store's `parties` column: what
 * the ACD checks an agent against inside an offer's transaction.
 */
export async function callsKeepingBusy(sql: Sql, pipeline: CommandPipeline, agentId: string): Promise<CallView[]> {
  const rows = await sql<Row[]>`
    SELECT id, version, snapshot FROM aggregates
    WHERE type = 'call' AND state IN ${sql(LIVE_CALL_STATES as string[])} AND ${agentId}::text = ANY(parties)`;
  const kind = pipeline.kind('call');
  return rows.map((r) => kind.view(r.id, pipeline.restore('call', r.snapshot), r.version) as unknown as CallView);
}

/** The agency's agents (everyone who ever got ready for calls). */
export async function agencyAgents(sql: Sql, pipeline: CommandPipeline, agencyId: string): Promise<AgentView[]> {
  const rows = await sql<Row[]>`SELECT id, version, snapshot FROM aggregates WHERE type = 'agent' AND agency_id = ${agencyId} ORDER BY id`;
  const kind = pipeline.kind('agent');
  return rows.map((r) => kind.view(r.id, pipeline.restore('agent', r.snapshot), r.version) as unknown as AgentView);
}

/** The board of one agency at time `at`. */
export function callBoard(city: CityModel, agencyId: string, calls: CallView[], agents: AgentView[], at: Date): CallBoard {
  const iso = at.toISOString();
  const lines = new Map(city.seed.lines.map((l) => [l.number, l]));
  const waiting = calls.filter((c) => c.state === 'queued' || c.state === 'offered').map((c): QueueEntry => {
    const line = lines.get(c.line);
    const waited = waitingMs(c, iso);
    return {
      callId: c.id, callerNumber: c.callerNumber, callerName: c.callerName, line: c.line, lineName: line?.name ?? null,
      emergency: line?.emergency ?? false, priority: c.priority, state: c.state as 'queued' | 'offered', queuedAt: c.queuedAt!,
      waitingSec: Math.floor(waited / 1000), offeredTo: c.offer?.username ?? null, overdue: waited >= c.answerTargetMs,
    };
  });
  const emergency = (c: CallView) => (lines.get(c.line)?.emergency ? 0 : 1);
  const abandoned = calls.filter((c) => c.state === 'abandoned')
    .sort((a, b) => emergency(a) - emergency(b) || (a.endedAt ?? '').localeCompare(b.endedAt ?? ''));
  const inProgress = calls.filter((c) => !['queued', 'offered', 'abandoned'].includes(c.state));
  return { agencyId, at: iso, waiting, inProgress, abandoned, agents };
}
